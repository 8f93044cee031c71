# RSiena's side of benchmarks/bench_rsiena.py: one SAOM fitted by siena07 to the classes
# lbsim wrote to files, timed, with its estimates and convergence written as CSV.
#
# Run (R with RSiena 1.5.0; RSiena is a developer's tool, never a dependency of lbsim):
#   Rscript scripts/rsiena/bench_fit.R FOLDER EFFECTS SEED COND OUT
#     FOLDER   written by benchmarks/bench_rsiena.py: classes.csv (columns class; waves,
#              the wave files separated by ';'; then one column per actor covariate naming
#              its file, one value a line) and the files it names, relative to FOLDER
#     EFFECTS  lbsim's names of the effects, comma separated, e.g. density,recip,egoX:v
#              (a covariate's effect is SHORTNAME:COVARIATE, RSiena's interaction1)
#     SEED     siena07's seed
#     COND     TRUE, FALSE, or default (RSiena's own choice: conditional for one network)
#     OUT      a folder for estimates.csv (a row per parameter, in siena07's order: short
#              name, interaction, class and period of a rate, theta, se, tconv, the
#              observed statistic it matches) and
#              summary.csv (one row: seconds of siena07 alone and since R started, max |t|,
#              tconv.max, cond, seed, n3, RSiena's version)
# One class is sienaDataCreate; several are sienaGroupCreate of one sienaDataCreate per
# class (common effects, a rate per class; covariates centred over all classes).
# siena07 runs with batch = TRUE, silent = TRUE, no project file, n3 = 1000 (default).
suppressPackageStartupMessages(library(RSiena))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 5) {
  stop("usage: Rscript bench_fit.R FOLDER EFFECTS SEED COND OUT")
}
folder <- args[1]
wanted <- strsplit(args[2], ",", fixed = TRUE)[[1]]
seed <- as.integer(args[3])
cond <- switch(args[4], "TRUE" = TRUE, "FALSE" = FALSE, "default" = NA,
               stop("COND: TRUE, FALSE or default, got ", args[4]))
out <- args[5]

index <- read.csv(file.path(folder, "classes.csv"), colClasses = "character",
                  check.names = FALSE)
covariate_names <- setdiff(names(index), c("class", "waves"))
matrix_file <- function(name) unname(as.matrix(read.table(file.path(folder, name))))
one_class <- function(row) {
  waves <- lapply(strsplit(row[["waves"]], ";", fixed = TRUE)[[1]], matrix_file)
  n <- nrow(waves[[1]])
  friends <- sienaDependent(array(unlist(waves), dim = c(n, n, length(waves))))
  parts <- list(friends = friends)
  for (v in covariate_names) {
    parts[[v]] <- coCovar(matrix_file(row[[v]])[, 1])
  }
  do.call(sienaDataCreate, parts)
}
classes <- lapply(seq_len(nrow(index)), function(k) one_class(index[k, ]))
data <- if (length(classes) == 1) classes[[1]] else sienaGroupCreate(classes)

effects <- getEffects(data)
effects$include[!effects$basicRate] <- FALSE
for (name in wanted) {
  parts <- strsplit(name, ":", fixed = TRUE)[[1]]
  row <- effects$shortName == parts[1] & effects$type == "eval" &
    effects$interaction1 == (if (length(parts) > 1) parts[2] else "")
  if (sum(row) != 1) stop("effect ", name, ": ", sum(row), " rows of RSiena's effects match")
  effects$include[row] <- TRUE
}

algorithm <- if (is.na(cond)) {
  sienaAlgorithmCreate(projname = NULL, seed = seed)
} else {
  sienaAlgorithmCreate(projname = NULL, seed = seed, cond = cond)
}
timing <- system.time(
  fit <- siena07(algorithm, data = data, effects = effects, batch = TRUE, verbose = FALSE,
                 silent = TRUE)
)
chosen <- fit$requestedEffects
class_of <- if (length(classes) == 1) rep("", nrow(chosen)) else
  ifelse(chosen$basicRate, index$class[as.integer(chosen$group)], "")
rows <- data.frame(short = chosen$shortName, interaction = chosen$interaction1,
                   class = class_of, period = ifelse(chosen$basicRate, chosen$period, ""),
                   theta = sprintf("%.10g", fit$theta),
                   se = sprintf("%.10g", sqrt(diag(fit$covtheta))),
                   tconv = sprintf("%.10g", fit$tconv),
                   target = sprintf("%.10g", fit$targets))
dir.create(out, showWarnings = FALSE, recursive = TRUE)
write.csv(rows, file.path(out, "estimates.csv"), row.names = FALSE)
summary <- data.frame(siena07_seconds = timing[["elapsed"]],
                      siena07_cpu_seconds = timing[["user.self"]] + timing[["sys.self"]],
                      r_seconds = proc.time()[["elapsed"]],
                      max_abs_t = max(abs(fit$tconv), na.rm = TRUE),
                      tconv_max = fit$tconv.max, cond = fit$cconditional, seed = seed,
                      n3 = algorithm$n3, rsiena = as.character(packageVersion("RSiena")))
write.csv(summary, file.path(out, "summary.csv"), row.names = FALSE)
print(rows, right = FALSE)
print(summary, right = FALSE)
