/*
 * export_pmml.c
 *	  maas_export(name, 'pmml') of decision_tree and random_forest models:
 *	  a PMML 4.4 TreeModel (https://dmg.org/pmml/v4-4-1/TreeModel.html),
 *	  and for a forest a MiningModel averaging one TreeModel per tree
 *	  (multipleModelMethod "average": the mean value, or the mean class
 *	  probabilities), over the model's own columns (core/pmml.c).
 *
 *	  A node sends x <= threshold to its first child (lessOrEqual) and the
 *	  rest to the second (greaterThan), thresholds written as the doubles
 *	  they are, so a PMML engine routes as maas does; a missing value goes
 *	  to the child maas learned (missingValueStrategy "defaultChild").  A
 *	  classifier's leaf has the class of its largest probability as score
 *	  and every class's probability (ScoreDistribution).
 */
#include "postgres.h"

#include "miscadmin.h"

#include "core/onnxwrite.h"
#include "tree.h"

/* Node i of a tree whose first node is first, with its predicate */
static void
Node(StringInfo out, const MaasModel *model, const TreeEnsemble *e, int32 first, int32 i,
	 const char *predicate, int indent)
{
	const TreeNode *nd = &e->nodes[i];

	check_stack_depth();
	appendStringInfo(out, "%*s<Node id=\"%d\"", indent, "", i - first);
	if (nd->feature < 0)
	{
		const double *v = e->values + nd->left;

		if (e->n_values == 1)
			MaasPmmlNumber(out, "score", v[0]);
		else
		{
			int			best = 0;

			for (int c = 1; c < e->n_values; c++)
				if (v[c] > v[best])
					best = c;
			MaasPmmlAttr(out, "score", model->target.labels[best]);
		}
		appendStringInfo(out, ">\n%*s%s\n", indent + 2, "", predicate);
		for (int c = 0; c < e->n_values && e->n_values > 1; c++)
		{
			appendStringInfo(out, "%*s<ScoreDistribution", indent + 2, "");
			MaasPmmlAttr(out, "value", model->target.labels[c]);
			MaasPmmlNumber(out, "recordCount", v[c] * e->cover[i]);
			MaasPmmlNumber(out, "probability", v[c]);
			appendStringInfoString(out, "/>\n");
		}
	}
	else
	{
		StringInfoData p;
		const char *field = MaasFeatureName(&model->prep, nd->feature);

		appendStringInfo(out, " defaultChild=\"%d\">\n%*s%s\n", nd->missing - first,
						 indent + 2, "", predicate);
		for (int side = 0; side < 2; side++)
		{
			initStringInfo(&p);
			appendStringInfoString(&p, "<SimplePredicate");
			MaasPmmlAttr(&p, "field", field);
			MaasPmmlAttr(&p, "operator", side == 0 ? "lessOrEqual" : "greaterThan");
			MaasPmmlNumber(&p, "value", nd->threshold);
			appendStringInfoString(&p, "/>");
			Node(out, model, e, first, side == 0 ? nd->left : nd->right, p.data, indent + 2);
			pfree(p.data);
		}
	}
	appendStringInfo(out, "%*s</Node>\n", indent, "");
}

/* Tree t as a TreeModel; schema: write the model's schema, else the features used */
static void
Tree(StringInfo out, const MaasModel *model, const TreeEnsemble *e, int t, bool schema,
	 const char *target, int indent)
{
	bool		classify = model->target.n_classes > 0;

	CHECK_FOR_INTERRUPTS();
	appendStringInfo(out, "%*s<TreeModel", indent, "");
	MaasPmmlAttr(out, "functionName", classify ? "classification" : "regression");
	appendStringInfoString(out, " missingValueStrategy=\"defaultChild\" splitCharacteristic=\"binarySplit\">\n");
	if (schema)
		MaasPmmlSchema(out, model, target);
	else
	{
		appendStringInfo(out, "%*s<MiningSchema>\n", indent + 2, "");
		for (int j = 0; j < model->n_features; j++)
		{
			appendStringInfo(out, "%*s<MiningField", indent + 4, "");
			MaasPmmlAttr(out, "name", MaasFeatureName(&model->prep, j));
			appendStringInfoString(out, "/>\n");
		}
		appendStringInfo(out, "%*s</MiningSchema>\n", indent + 2, "");
	}
	Node(out, model, e, e->root[t], e->root[t], "<True/>", indent + 2);
	appendStringInfo(out, "%*s</TreeModel>\n", indent, "");
}

void
TreeExportPmml(const MaasModel *model, StringInfo out)
{
	const TreeEnsemble *e = model->state;
	const char *target = model->target.name ? model->target.name : "target";

	if (e->kind == TREE_KIND_BOOST)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("maas_export cannot write gradient_boosting models as \"pmml\""),
				 errhint("Export it as \"onnx\" or \"xgboost\".")));
	MaasPmmlHead(out, model, target);
	if (e->kind == TREE_KIND_SINGLE)
		Tree(out, model, e, 0, true, target, 2);
	else
	{
		appendStringInfoString(out, "  <MiningModel");
		MaasPmmlAttr(out, "functionName",
					 model->target.n_classes > 0 ? "classification" : "regression");
		appendStringInfoString(out, ">\n");
		MaasPmmlSchema(out, model, target);
		appendStringInfoString(out, "    <Segmentation multipleModelMethod=\"average\">\n");
		for (int t = 0; t < e->n_trees; t++)
		{
			appendStringInfo(out, "      <Segment id=\"%d\">\n        <True/>\n", t + 1);
			Tree(out, model, e, t, false, target, 8);
			appendStringInfoString(out, "      </Segment>\n");
		}
		appendStringInfoString(out, "    </Segmentation>\n  </MiningModel>\n");
	}
	appendStringInfoString(out, "</PMML>\n");
}
