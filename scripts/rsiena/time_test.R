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
cat("\nOne-step estimates by period and the SEs plot.sienaTimeTest draws them with:\n")
print(tt$ToTest[, c("dummyNames", "period", "valsplus", "dummysd")], digits = 4)

# With a second argument FOLDER, also write the fit's phase-3 arrays there (sf2.csv and
# ssc.csv: one row per run and period, runs outer; targets2.csv: one row per period;
# theta.csv: estimates and SEs of the effects) so lbsim's time_test can be run on
# RSiena's own simulations (sim.saom.results.Phase3 built from them).
if (length(commandArgs(TRUE)) > 1) {
  out <- commandArgs(TRUE)[2]
  dir.create(out, showWarnings = FALSE)
  effects <- !fit$requestedEffects$basicRate
  flat <- function(a) do.call(rbind, lapply(seq_len(dim(a)[1]), function(r)
    a[r, , effects, drop = FALSE][1, , ]))
  write.csv(flat(fit$sf2), file.path(out, "sf2.csv"), row.names = FALSE)
  write.csv(flat(fit$ssc), file.path(out, "ssc.csv"), row.names = FALSE)
  write.csv(t(fit$targets2[effects, ]), file.path(out, "targets2.csv"), row.names = FALSE)
  write.csv(data.frame(effect = fit$requestedEffects$shortName[effects],
                       theta = fit$theta[effects],
                       se = sqrt(diag(fit$covtheta))[effects]),
            file.path(out, "theta.csv"), row.names = FALSE)
}

# A time dummy fitted (includeTimeDummy), unconditional as lbsim fits dummies; compare with
#   lbsim estimate --data s50 --effects density,recip,transTrip --time-dummy recip:2 --out DIR
#   lbsim time-test --fit DIR
# (RSiena's dummy interacts the effect with a centred 0/1 covariate: its dummy parameter
# is lbsim's, its base parameter is lbsim's plus the dummy times the covariate's mean).
data3 <- sienaDataCreate(friends)
eff3 <- includeEffects(getEffects(data3), transTrip)
eff3 <- includeTimeDummy(eff3, recip, timeDummy = "2")
alg3 <- sienaAlgorithmCreate(projname = NULL, seed = seed, cond = FALSE)
fit3 <- siena07(alg3, data = data3, effects = eff3, batch = TRUE, verbose = FALSE,
                silent = TRUE)
cat("\n\nWith a time dummy of reciprocity in period 2 (cond = FALSE):\n")
print(fit3)
summary(sienaTimeTest(fit3))
