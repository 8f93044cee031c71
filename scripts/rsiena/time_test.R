# RSiena's time heterogeneity test (sienaTimeTest) on the three-wave s50 data, for the
# side-by-side comparison with `lbsim time-test`.
#
# Run:   Rscript scripts/rsiena/time_test.R [SEED]   (siena07's seed, default 1)
# Compare with:
#   lbsim estimate --data s50 --covariate alcohol:1 \
#       --effects density,recip,transTrip,egoX:alcohol,altX:alcohol,\
#       simX:alcohol --out DIR
#   lbsim time-test --fit DIR
# Needs R with RSiena (1.5.0 was used); RSiena is a developer's tool, not a dependency.
suppressPackageStartupMessages(library(RSiena))
friends <- sienaDependent(array(c(s501, s502, s503), dim = c(50, 50, 3)))
alcohol <- coCovar(s50a[, 1])  # constant, as lbsim's --covariate alcohol:1
data <- sienaDataCreate(friends, alcohol)
eff <- getEffects(data)
eff <- includeEffects(eff, transTrip)
eff <- includeEffects(eff, egoX, altX, simX, interaction1 = "alcohol")
seed <- if (length(commandArgs(TRUE))) as.integer(commandArgs(TRUE)[1]) else 1
alg <- sienaAlgorithmCreate(projname = NULL, seed = seed)
fit <- siena07(alg, data = data, effects = eff, batch = TRUE, verbose = FALSE,
               silent = TRUE)
cat("RSiena", as.character(packageVersion("RSiena")), "\n\n")
print(fit)
tt <- sienaTimeTest(fit)
summary(tt)
cat("\nStandard errors of the dummies' one-step estimates (sqrt diag of CovDummyEst):\n")
print(round(tt$DummyStdErr, 4))
