# The ratings datasets of data/ (see README.md), from the Debian packages:
#   apt-get download r-cran-psychtools && dpkg -x r-cran-psychtools_*.deb x
#   Rscript data/convert_ratings.R x/usr/lib/R/site-library/psychTools/data/Rdata
# bfi_ratings.csv: psychTools' bfi (2,800 respondents x 25 items, 1-6) in
# long form, one row per answered item, sorted by respondent and item.
# insteval.csv is InstEval of r-cran-lme4 (library(lme4); data(InstEval)),
# columns s, d, y as student, lecturer, rating, in the package's row order.
args <- commandArgs(trailingOnly = TRUE)
e <- new.env()
lazyLoad(args[1], envir = e)
b <- e$bfi
items <- colnames(b)[1:25]
ids <- rownames(b)
l <- do.call(rbind, lapply(items, function(it)
	data.frame(respondent = as.integer(ids), item = it, rating = b[[it]])))
l <- l[!is.na(l$rating), ]
l <- l[order(l$respondent, l$item), ]
write.csv(l, "bfi_ratings.csv", row.names = FALSE, quote = FALSE)
