# Relative importance of effects (RSiena's sienaRI; Indlekofer and Brandes 2013) on s50,
# to compare with lbsim's sim.saom.relative_importance and `lbsim importance`.
# Run:
#   Rscript scripts/rsiena/importance.R
#       siena07 (seed 1) fits density, recip, transTrip, inPop to s50; then sienaRI
#   Rscript scripts/rsiena/importance.R -2.4 2.6 0.6 -0.05
#       sienaRI at these parameters of density, recip, transTrip, inPop (no estimation)
#   Rscript scripts/rsiena/importance.R -2.4 2.6 0.8 0.3 -0.1 1.2
#       co-evolution with drink = s50a: sienaRI at these parameters of density, recip,
#       simX(drink); drink's linear, quad, avAlt
# At given parameters lbsim must reproduce sienaRI exactly: tests/saom/test_importance.py
# embeds what this prints. sienaRI and its print method are not exported by RSiena 1.5.0;
# they are called as RSiena:::sienaRI and RSiena:::print.sienaRI.
suppressPackageStartupMessages(library(RSiena))
args <- as.numeric(commandArgs(trailingOnly = TRUE))
friends <- sienaDependent(array(c(s501, s502, s503), dim = c(50, 50, 3)))
alg <- sienaAlgorithmCreate(projname = NULL, seed = 1)
show <- function(ri) {
  RSiena:::print.sienaRI(ri, printSigma = TRUE)
  cat("per actor (wave 1, actors 1-5):\n")
  print(round(ri$RIActors[[1]][, 1:5], 6))
  cat("\ncertainty R_H (wave 1, actors 1-5):\n")
  print(round(ri$RHActors[[1]][1:5], 6))
}
if (length(args) == 6) {
  drink <- sienaDependent(s50a, type = "behavior")
  data <- sienaDataCreate(friends, drink)
  eff <- getEffects(data)
  eff <- includeEffects(eff, simX, interaction1 = "drink", name = "friends", verbose = FALSE)
  eff <- includeEffects(eff, avAlt, interaction1 = "friends", name = "drink", verbose = FALSE)
  ri <- RSiena:::sienaRI(data, theta = args, algorithm = alg, effects = eff)
  show(ri[[1]])
  show(ri[[2]])
} else {
  data <- sienaDataCreate(friends)
  eff <- getEffects(data)
  eff <- includeEffects(eff, transTrip, inPop, verbose = FALSE)
  if (length(args) == 4) {
    ri <- RSiena:::sienaRI(data, theta = args, algorithm = alg, effects = eff)
  } else {
    ans <- siena07(alg, data = data, effects = eff, batch = TRUE, verbose = FALSE,
                   silent = TRUE)
    print(ans)
    ri <- RSiena:::sienaRI(data, ans)
  }
  show(ri)
}
