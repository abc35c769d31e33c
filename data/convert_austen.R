# data/austen.csv from Debian's r-cran-janeaustenr 1.0.0-1 (MIT; the novels
# are in the public domain): Jane Austen's six novels as passages of 5
# consecutive non-empty lines, every 4th passage kept, labelled with the
# novel; split "test" for every 5th kept passage, "train" otherwise.
#   apt-get download r-cran-janeaustenr; dpkg -x r-cran-janeaustenr_*.deb x
#   Rscript data/convert_austen.R x/usr/lib/R/site-library data/austen.csv
args <- commandArgs(trailingOnly = TRUE)
library(janeaustenr, lib.loc = args[1])
books <- austen_books()
books <- books[nchar(trimws(books$text)) > 0, ]
rows <- list()
for (b in levels(books$book)) {
    lines <- books$text[books$book == b]
    n <- length(lines) %/% 5
    passage <- vapply(seq_len(n), function(i) paste(lines[(5 * i - 4):(5 * i)], collapse = " "), "")
    rows[[b]] <- data.frame(book = b, text = passage[seq(1, n, by = 4)])
}
out <- do.call(rbind, rows)
out$split <- ifelse(seq_len(nrow(out)) %% 5 == 0, "test", "train")
write.csv(out[, c("split", "text", "book")], args[2], row.names = FALSE)
