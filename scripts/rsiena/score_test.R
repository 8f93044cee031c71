# Score-type tests of effects held fixed, in RSiena 1.5.0, for side-by-side comparison
# with `lbsim score-test` (a developer's tool: lbsim never needs R).
#   Rscript scripts/rsiena/score_test.R
# lbsim's counterparts:
#   lbsim estimate --data s50 --effects density,recip,transTrip --fix inPop --out out/net
#   lbsim score-test --fit out/net
#   lbsim estimate --data s50 --behaviour drink=alcohol \
#     --effects density,recip,transTrip,egoX:drink,altX:drink,simX:drink \
#     --behaviour-effects drink=linear,quad --fix inPop --fix "drink: avAlt" --out out/coev
#   lbsim score-test --fit out/coev
# With an argument FOLDER, the co-evolution fit's phase-3 arrays are also written there, for
# lbsim's score-type test on RSiena's own simulations:
#   Rscript scripts/rsiena/score_test.R /tmp/rsiena_score
#   PYTHONPATH=. python scripts/rsiena/score_test_on_rsiena.py /tmp/rsiena_score
suppressMessages(library(RSiena))
alg <- sienaAlgorithmCreate(projname = NULL, seed = 1, cond = FALSE)  # lbsim estimates
# unconditionally by default (RSiena conditionally for one network)

report <- function(ans) {
  cat("estimates:\n")
  print(data.frame(effect = ans$effects$effectName, type = ans$effects$type,
                   theta = round(ans$theta, 4), se = round(sqrt(diag(ans$covtheta)), 4),
                   fixed = ans$fix, test = ans$test))
  cat("max |t| (estimated):", round(max(abs(ans$tconv[!ans$fix])), 3),
      " overall ratio:", round(ans$tconv.max, 3), "\n")
  cat("joint score test: chi2 =", round(ans$testresOverall, 3), " df =", sum(ans$test),
      " p =", signif(1 - pchisq(ans$testresOverall, sum(ans$test)), 4), "\n")
  cat("separately: chi2 =", round(ans$testresult[seq_len(sum(ans$test))], 3),
      " one-sided =", round(ans$testresulto[seq_len(sum(ans$test))], 3), "\n")
  cat("one-step estimates:", round(ans$theta + ans$oneStep, 4), "\n\n")
}

friends <- sienaDependent(array(c(s501, s502, s503), dim = c(50, 50, 3)))
net <- sienaDataCreate(friends)
eff <- getEffects(net)
eff <- includeEffects(eff, transTrip)
eff <- includeEffects(eff, inPop, fix = TRUE, test = TRUE)
cat("== network: density, recip, transTrip; inPop held at 0 and tested ==\n")
report(siena07(alg, data = net, effects = eff, batch = TRUE, verbose = FALSE,
               silent = TRUE))

drink <- sienaDependent(s50a, type = "behavior")
coev <- sienaDataCreate(friends, drink)
eff <- getEffects(coev)
eff <- includeEffects(eff, transTrip)
eff <- includeEffects(eff, egoX, altX, simX, interaction1 = "drink")
eff <- includeEffects(eff, inPop, fix = TRUE, test = TRUE)
eff <- includeEffects(eff, avAlt, name = "drink", interaction1 = "friends", fix = TRUE,
                      test = TRUE)
cat("== co-evolution with drink; inPop and drink: avAlt held at 0 and tested ==\n")
ans <- siena07(alg, data = coev, effects = eff, batch = TRUE, verbose = FALSE,
               silent = TRUE)
report(ans)

if (length(commandArgs(TRUE))) {  # sf2, ssc (one row per run and period, runs outer),
  out <- commandArgs(TRUE)[1]     # targets2 (one row per period), the parameters
  dir.create(out, showWarnings = FALSE)
  flat <- function(a) do.call(rbind, lapply(seq_len(dim(a)[1]), function(r) a[r, , ]))
  write.csv(flat(ans$sf2), file.path(out, "sf2.csv"), row.names = FALSE)
  write.csv(flat(ans$ssc), file.path(out, "ssc.csv"), row.names = FALSE)
  write.csv(t(ans$targets2), file.path(out, "targets2.csv"), row.names = FALSE)
  write.csv(data.frame(name = ans$effects$name, short = ans$effects$shortName,
                       interaction = ans$effects$interaction1, period = ans$effects$period,
                       theta = ans$theta, fixed = ans$fix, test = ans$test),
            file.path(out, "parameters.csv"), row.names = FALSE)
}
