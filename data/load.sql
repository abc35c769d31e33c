-- Load every dataset of data/ into the tables data/schema.sql creates, each
-- only if still empty.  Run from the repository root:
--   psql -f data/schema.sql -f data/load.sql
SELECT NOT EXISTS (SELECT FROM iris) AS maas_load \gset
\if :maas_load
\copy iris FROM 'data/iris.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM wine) AS maas_load \gset
\if :maas_load
\copy wine FROM 'data/wine.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM breast_cancer) AS maas_load \gset
\if :maas_load
\copy breast_cancer FROM 'data/breast_cancer.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM diabetes) AS maas_load \gset
\if :maas_load
\copy diabetes FROM 'data/diabetes.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM penguins) AS maas_load \gset
\if :maas_load
\copy penguins FROM 'data/penguins.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM credit_data) AS maas_load \gset
\if :maas_load
\copy credit_data FROM 'data/credit_data.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM wa_churn) AS maas_load \gset
\if :maas_load
\copy wa_churn FROM 'data/wa_churn.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM ames) AS maas_load \gset
\if :maas_load
\copy ames FROM 'data/ames.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM concrete) AS maas_load \gset
\if :maas_load
\copy concrete FROM 'data/concrete.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM digits) AS maas_load \gset
\if :maas_load
\copy digits FROM 'data/digits.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM sacramento) AS maas_load \gset
\if :maas_load
\copy sacramento FROM 'data/sacramento.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM attrition) AS maas_load \gset
\if :maas_load
\copy attrition FROM 'data/attrition.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM insteval) AS maas_load \gset
\if :maas_load
\copy insteval (student, lecturer, rating) FROM 'data/insteval.csv' (FORMAT csv, HEADER)
\endif
SELECT NOT EXISTS (SELECT FROM bfi_ratings) AS maas_load \gset
\if :maas_load
\copy bfi_ratings (respondent, item, rating) FROM 'data/bfi_ratings.csv' (FORMAT csv, HEADER)
\endif
