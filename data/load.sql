-- Load every dataset of data/ into tables of the current database; run from the repository root:
--   psql -f data/schema.sql -f data/load.sql
\copy iris FROM 'data/iris.csv' (FORMAT csv, HEADER)
\copy wine FROM 'data/wine.csv' (FORMAT csv, HEADER)
\copy breast_cancer FROM 'data/breast_cancer.csv' (FORMAT csv, HEADER)
\copy diabetes FROM 'data/diabetes.csv' (FORMAT csv, HEADER)
\copy penguins FROM 'data/penguins.csv' (FORMAT csv, HEADER)
\copy credit_data FROM 'data/credit_data.csv' (FORMAT csv, HEADER)
\copy wa_churn FROM 'data/wa_churn.csv' (FORMAT csv, HEADER)
\copy ames FROM 'data/ames.csv' (FORMAT csv, HEADER)
\copy concrete FROM 'data/concrete.csv' (FORMAT csv, HEADER)
