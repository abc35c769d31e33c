# Write datasets of Debian's r-cran-modeldata as CSV files with a header row
# (an empty field is NULL), the form the tests and the demo load with \copy.
# Run from the repository root, with r-cran-modeldata installed, or unpacked
# (apt-get download r-cran-modeldata; dpkg -x r-cran-modeldata_*.deb DIR) and
# its library given:  Rscript data/convert_modeldata.R [DIR/usr/lib/R/site-library]
args <- commandArgs(trailingOnly = TRUE)
lib <- if (length(args) > 0) args[1] else NULL
for (name in c("Sacramento", "attrition")) {
  e <- new.env()
  data(list = name, package = "modeldata", lib.loc = lib, envir = e)
  write.csv(get(name, envir = e), file.path("data", paste0(tolower(name), ".csv")),
            row.names = FALSE, na = "")
}
