# RSiena's selection and influence tables on s50, for comparison with lbsim's
# sim.saom.tables (tests/saom/test_tables.py embeds the numbers this prints).
# Run: Rscript scripts/rsiena/tables.R        (RSiena 1.5.0; about a minute)
# Model: network density, recip, transTrip, egoX/altX/simX of drink;
#        behaviour drink (= s50a) linear, quad, avAlt.
suppressMessages(library(RSiena))
options(digits = 10, width = 120)
friendship <- sienaDependent(array(c(s501, s502, s503), dim = c(50, 50, 3)))
drink <- sienaDependent(s50a, type = "behavior")
data <- sienaDataCreate(friendship, drink)
eff <- getEffects(data)
eff <- includeEffects(eff, transTrip, name = "friendship")
eff <- includeEffects(eff, egoX, altX, simX, name = "friendship", interaction1 = "drink")
eff <- includeEffects(eff, avAlt, name = "drink", interaction1 = "friendship")
alg <- sienaAlgorithmCreate(projname = NULL, seed = 1)
fit <- siena07(alg, data = data, effects = eff, batch = TRUE, verbose = FALSE,
               silent = TRUE)
cat("== estimates (theta; effect names as RSiena prints them)\n")
print(data.frame(effect = fit$requestedEffects$effectName,
                 short = fit$requestedEffects$shortName,
                 theta = sprintf("%.10f", fit$theta), se = sprintf("%.6f", fit$se)))
cat("tconv.max", fit$tconv.max, "\n")
cat("== drink: mean, simMean, range\n")
cat(sprintf("%.12f", mean(colMeans(s50a))), sprintf("%.12f", attr(data$depvars$drink, "simMean")),
    attr(data$depvars$drink, "range"), "\n")
cat("== selectionTable(fit, data, 'friendship', 'drink'): rows ego, columns alter\n")
st <- selectionTable(fit, data, "friendship", "drink", as.matrix = TRUE, silent = TRUE)
print(unclass(st))
cat("== influenceTable(fit, data, 'friendship', 'drink'): rows alter, columns ego\n")
it <- influenceTable(fit, data, "friendship", "drink", as.matrix = TRUE, silent = TRUE)
print(unclass(it))
cat("== covtheta of altX, egoX, simX (6:8) and drink linear, quad, avAlt (11:13)\n")
print(fit$covtheta[c(6:8, 11:13), c(6:8, 11:13)])
cat("== RSiena:::influenceTable.se (not exported): ego 5 minus ego 1 when every alter has 5 (ww rows: alter)\n")
ww <- matrix(0, 5, 5)
ww[5, 5] <- 1
ww[5, 1] <- -1
RSiena:::influenceTable.se(fit, data, "friendship", "drink", levls = 1:5, ww = ww)
cat("== RSiena:::selectionTable.se (not exported): for ego 1, alter 1 minus alter 5 (ww rows: ego)\n")
ww <- matrix(0, 5, 5)
ww[1, 1] <- 1
ww[1, 5] <- -1
RSiena:::selectionTable.se(fit, data, "friendship", "drink", levls = 1:5, ww = ww)

# A constant covariate: alcohol at wave 1 (coCovar, centred by its mean), every
# selection effect lbsim has.
alcohol <- coCovar(s50a[, 1])
data2 <- sienaDataCreate(friendship, alcohol)
eff2 <- getEffects(data2)
eff2 <- includeEffects(eff2, egoX, altX, simX, sameX, egoXaltX, interaction1 = "alcohol")
fit2 <- siena07(alg, data = data2, effects = eff2, batch = TRUE, verbose = FALSE,
                silent = TRUE)
cat("== covariate model: estimates\n")
print(data.frame(effect = fit2$requestedEffects$effectName,
                 short = fit2$requestedEffects$shortName,
                 theta = sprintf("%.10f", fit2$theta)))
cat("== alcohol: mean, simMean, range\n")
cat(sprintf("%.12f", attr(data2$cCovars$alcohol, "mean")),
    sprintf("%.12f", attr(data2$cCovars$alcohol, "simMean")),
    attr(data2$cCovars$alcohol, "range"), "\n")
cat("== selectionTable(fit2, data2, 'friendship', 'alcohol'): rows ego, columns alter\n")
st2 <- selectionTable(fit2, data2, "friendship", "alcohol", as.matrix = TRUE, silent = TRUE)
print(unclass(st2))
