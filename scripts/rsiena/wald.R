# Wald tests on an RSiena fit of s50, for lbsim's tests of sim.saom.wald
# (tests/saom/test_wald.py embeds the theta, covtheta and test results printed here).
#
# Run (R with RSiena 1.5.0; RSiena is a developer's tool, never a dependency of lbsim):
#   Rscript scripts/rsiena/wald.R
#
# Model: s50 network, rates of periods 1 and 2, density, recip, transTrip, altX and egoX of
# alcohol (wave 1, a constant covariate; RSiena orders its effects so, theta 1..7);
# siena07 with seed 1, cond = FALSE (unconditional, as lbsim estimate by default), so theta
# holds the rates too. The tests name parameters by their numbers 1..7.
# lbsim's fit of the same model and its tests:
#   lbsim estimate --data s50 --covariate alcohol:1 --seed 1 \
#       --effects density,recip,transTrip,altX:alcohol,egoX:alcohol --out out/wald
#   lbsim wald --fit out/wald recip transTrip
#   lbsim wald --fit out/wald --same altX:alcohol egoX:alcohol
library(RSiena)
friendship <- sienaDependent(array(c(s501, s502, s503), dim = c(50, 50, 3)))
alcohol <- coCovar(s50a[, 1])
data <- sienaDataCreate(friendship, alcohol)
effects <- getEffects(data)
effects <- includeEffects(effects, transTrip)
effects <- includeEffects(effects, egoX, altX, interaction1 = "alcohol")
algorithm <- sienaAlgorithmCreate(projname = NULL, seed = 1, cond = FALSE)
fit <- siena07(algorithm, data = data, effects = effects, batch = TRUE, verbose = FALSE,
               silent = TRUE)
cat("RSiena", as.character(packageVersion("RSiena")), "\n")
cat("effects:", paste(fit$requestedEffects$shortName, collapse = ", "), "\n")
cat("theta <- c(", paste(sprintf("%.17g", fit$theta), collapse = ", "), ")\n")
cat("covtheta <- c(", paste(sprintf("%.17g", c(t(fit$covtheta))), collapse = ", "), ")\n")
cat("tconv.max", fit$tconv.max, "\n")
full <- function(label, test) {
  cat("==", label, "\n")
  print(test)
  cat(sprintf("chisquare %.17g df %d pvalue %.17g onesided %s\n", test$chisquare, test$df,
              test$pvalue, if (is.null(test$onesided)) "NA" else
                sprintf("%.17g", test$onesided)))
}
full("Multipar.RSiena(fit, 4, 5)", Multipar.RSiena(fit, 4, 5))
full("Multipar.RSiena(fit, 5)", Multipar.RSiena(fit, 5))
full("Multipar.RSiena(fit, 6, 7)", Multipar.RSiena(fit, 6, 7))
full("testSame.RSiena(fit, 6, 7)", testSame.RSiena(fit, 6, 7))
A <- rbind(c(0, 0, 1, 1, 0, 0, 0), c(0, 0, 0, 0, 1, 0, -2))
full("Wald.RSiena(A, fit), A rows: theta3 + theta4, theta5 - 2 theta7", Wald.RSiena(A, fit))
