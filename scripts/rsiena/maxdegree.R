# RSiena's MaxDegree on s50: the same model fitted without a cap and with MaxDegree 6 and
# 5 (the observed waves' largest out-degree is 5), for the side-by-side comparison with
# `lbsim estimate --data s50 --effects density,recip,transTrip --max-degree N`.
#
# Run (R with RSiena 1.5.0; RSiena is a developer's tool, never a dependency of lbsim):
#   Rscript scripts/rsiena/maxdegree.R
#
# Prints, per fit: estimates, standard errors, convergence t-ratios and the overall
# maximum convergence ratio (siena07, seed 1, cond = FALSE: unconditional, as lbsim estimate
# by default); then that MaxDegree 4 is refused.
# lbsim's side, seed 1 (PYTHONPATH=. .venv/bin/lbsim ... or an installed lbsim):
#   lbsim estimate --data s50 --effects density,recip,transTrip --seed 1 --out out/md_none
#   lbsim estimate --data s50 --effects density,recip,transTrip --seed 1 --max-degree 6 \
#       --out out/md_6        (and --max-degree 5 --out out/md_5; --max-degree 4 exits 2)
library(RSiena)
friendship <- sienaDependent(array(c(s501, s502, s503), dim = c(50, 50, 3)))
data <- sienaDataCreate(friendship)
effects <- includeEffects(getEffects(data), transTrip)
cat("RSiena", as.character(packageVersion("RSiena")), "\n")
cat("max out-degree of s501, s502, s503:",
    sapply(list(s501, s502, s503), function(m) max(rowSums(m))), "\n")
for (cap in list(NULL, 6, 5)) {
  md <- if (is.null(cap)) NULL else c(friendship = cap)
  algorithm <- sienaAlgorithmCreate(projname = NULL, seed = 1, cond = FALSE, MaxDegree = md)
  fit <- siena07(algorithm, data = data, effects = effects, batch = TRUE, verbose = FALSE,
                 silent = TRUE)
  cat("== MaxDegree", if (is.null(cap)) "none" else cap, "\n")
  print(data.frame(effect = fit$effects$effectName, theta = round(fit$theta, 4),
                   se = round(sqrt(diag(fit$covtheta)), 4), tconv = round(fit$tconv, 4)))
  cat(sprintf("max |t| %.4f  overall maximum convergence ratio %.4f\n",
              max(abs(fit$tconv)), fit$tconv.max))
}
algorithm <- sienaAlgorithmCreate(projname = NULL, seed = 1, cond = FALSE,
                                  MaxDegree = c(friendship = 4))
refused <- tryCatch({
  siena07(algorithm, data = data, effects = effects, batch = TRUE, verbose = FALSE,
          silent = TRUE)
  "accepted"
}, error = function(e) conditionMessage(e))
cat("== MaxDegree 4:", refused, "\n")
