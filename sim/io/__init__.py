"""Reading survey files and writing networks for other tools."""
