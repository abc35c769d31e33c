-- maas_report(name [, source]): one self-contained HTML page.  Checked
-- here for structure: well-formed as XML (so XHTML-ish: every element
-- closed, attributes quoted, only XML's entities), every chart present,
-- nothing fetched from anywhere, every user string escaped.
-- test/t/061_report.pl renders it in a browser.
SET client_min_messages = warning;
-- a hostile model name, class labels and column names
CREATE TEMP TABLE rep_iris AS
SELECT sepal_length AS "sepal<len>", sepal_width AS "w&""idth'", petal_length, petal_width,
	   CASE species WHEN 'setosa' THEN '<b>set&osa</b>' WHEN 'versicolor' THEN 'versi"color''s'
	   ELSE species END AS species
FROM iris;
SELECT maas_train('<script>alert("x")</script> & co', 'gradient_boosting', 'rep_iris', 'species',
				  '{"n_estimators": 15, "max_depth": 3, "seed": 1}') IS NOT NULL AS trained;
SELECT maas_train('rep_binary', 'logistic_regression', 'breast_cancer', 'malignant',
				  '{"seed": 1}') IS NOT NULL AS trained;
SELECT maas_train('rep_binary', 'logistic_regression', 'breast_cancer', 'malignant',
				  '{"seed": 2, "C": 0.1, "deploy": "always"}') IS NOT NULL AS trained;
SELECT maas_train('rep_regressor', 'gradient_boosting', 'diabetes', 'progression',
				  '{"n_estimators": 30, "seed": 1}') IS NOT NULL AS trained;
RESET client_min_messages;

CREATE TEMP TABLE rep (model text, source text, html text);
INSERT INTO rep
SELECT m, s, maas_report(m, s) FROM (VALUES
	('<script>alert("x")</script> & co', 'rep_iris'),
	('<script>alert("x")</script> & co', NULL),
	('rep_binary', 'SELECT * FROM breast_cancer WHERE mean_radius > 12'),
	('rep_binary', NULL),
	('rep_regressor', 'diabetes'),
	('rep_regressor', NULL)) v(m, s);

-- well-formed, with the sections and charts each case has: the heat map and
-- the three class curves need rows; importances and the training curve come
-- from the version; a multiclass model draws one line per class
SELECT left(model, 10) AS model, source IS NOT NULL AS with_source,
	   html LIKE '<!DOCTYPE html>%</html>' || chr(10) AS whole,
	   xml_is_well_formed_document(substr(html, length('<!DOCTYPE html>') + 2)) AS well_formed,
	   (SELECT count(*) FROM regexp_matches(html, '<svg ', 'g')) =
	   (SELECT count(*) FROM regexp_matches(html, '</svg>', 'g')) AS closed,
	   (SELECT string_agg(t[1], ' ' ORDER BY n) FROM regexp_matches(split_part(html, '<h2 id="drift"', 1),
			'<svg [^>]*><title>([^<]*)</title>', 'g') WITH ORDINALITY r(t, n)) AS charts,
	   (SELECT count(*) FROM regexp_matches(split_part(html, '<h2 id="drift"', 1), '<polyline', 'g')) AS lines,
	   (SELECT string_agg(t[1], ' ' ORDER BY n) FROM regexp_matches(html, '<h2 id="([a-z]+)"', 'g')
			WITH ORDINALITY r(t, n)) AS sections
FROM rep ORDER BY model, source NULLS LAST;

-- drift (maas_drift, where installed): a table of inputs and their psi with a
-- source, a histogram per input drifted the most
SELECT left(model, 10) AS model, source IS NOT NULL AS with_source,
	   (position('<th>psi</th>' IN html) > 0) =
	   (source IS NOT NULL AND EXISTS (SELECT FROM pg_proc WHERE proname = 'maas_drift')) AS drift_when_installed,
	   ((SELECT count(*) FROM regexp_matches(split_part(html, '<h2 id="drift"', 2), '<svg ', 'g')) > 0) =
	   (source IS NOT NULL AND EXISTS (SELECT FROM pg_proc WHERE proname = 'maas_drift')) AS histograms_when_installed
FROM rep ORDER BY model, source NULLS LAST;

-- self-contained: no URL, no script, no external anything
SELECT left(model, 10) AS model, source IS NOT NULL AS with_source,
	   html ~* '(https?:|ftp:|//[a-z]|src=|href=|url\(|@import|<script|<link|<iframe|<img|<object)' AS external
FROM rep ORDER BY model, source NULLS LAST;

-- the hostile strings are escaped everywhere: never raw, and present escaped
-- (the class labels show with a source, in the confusion matrix and curves)
SELECT source IS NOT NULL AS with_source,
	   position('<script>' IN html) = 0 AS no_raw_script,
	   position('<b>' IN html) = 0 AS no_raw_label,
	   position('sepal<len>' IN html) = 0 AS no_raw_column,
	   position('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co' IN html) > 0 AS name_escaped,
	   position('&lt;b&gt;set&amp;osa&lt;/b&gt;' IN html) > 0 AS label_escaped,
	   position('versi&quot;color&#39;s' IN html) > 0 AS quote_escaped,
	   position('sepal&lt;len&gt;' IN html) > 0 AS column_escaped
FROM rep WHERE model LIKE '<script>%' ORDER BY source NULLS LAST;

-- what is shown is what SQL says: version history, the live version, the
-- metrics on the source (maas_evaluate's), the confusion matrix counts
SELECT html LIKE '%live version <span class="live">2</span>%' AS live_2,
	   (SELECT count(*) FROM regexp_matches(html, '<tr><td>[12]</td><td>(live)?</td><td>logistic_regression</td>', 'g')) AS versions,
	   position('rolled back' IN html) = 0 AS none_rolled_back,
	   position('<td class="n">' || (maas_evaluate('rep_binary', source)->>'accuracy') || '</td>' IN html) > 0 AS accuracy_shown,
	   (SELECT string_agg(c[1], ' ') FROM regexp_matches(html, '<text class="c"[^>]*>([0-9]+)</text>', 'g') r(c)) AS confusion,
	   (SELECT string_agg(v::text, ' ') FROM jsonb_array_elements(maas_evaluate('rep_binary', source)->'confusion_matrix') r, jsonb_array_elements(r) v) AS evaluated
FROM rep WHERE model = 'rep_binary' AND source IS NOT NULL;
SELECT maas_rollback('rep_binary');
SELECT position('live version <span class="live">1</span>' IN r) > 0 AS live_1,
	   position('rolled back' IN r) > 0 AS rollback_shown,
	   position('No source given' IN r) > 0 AS says_stored
FROM maas_report('rep_binary') r;

-- the training curve: one point per round of the regressor
SELECT (SELECT count(*) FROM regexp_matches(
			substring(html FROM '<svg [^>]*><title>Training curve</title>.*?</svg>'), '<circle', 'g')) AS points
FROM rep WHERE model = 'rep_regressor' AND source IS NULL;

-- another schema on the search path: the report still finds its functions
SET search_path = pg_catalog;
SELECT length(public.maas_report('rep_regressor', 'public.diabetes')) > 1000 AS long_enough;
RESET search_path;

SELECT maas_drop(model) FROM (SELECT DISTINCT model FROM rep) r ORDER BY 1;
