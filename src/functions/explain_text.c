/*
 * explain_text.c
 *	  maas_explain for models of documents: which words drove a prediction,
 *	  by occlusion.
 *
 * Each distinct token of the document is removed (every occurrence of it)
 * and the document predicted again; the token's contribution is how much
 * the score drops: score(document) - score(document without it).  The
 * score is the one maas_explain reports for other models: the log-odds of
 * the positive class for two classes, else the log-probability of the
 * predicted class.  Occlusion needs nothing but predict, so it serves
 * every text algorithm alike (text_classifier, lstm, gru, cnn).  Effects
 * of a recurrent or convolutional model are not additive: base is what
 * the contributions leave of the score (score - their sum), so base +
 * sum(contributions) = score as for the other models.  The keys are the
 * tokens as the tokenizer stores them (lowercased, stemmed with "stem"),
 * unknown words together as "<unknown>".
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"

#include "functions/functions.h"

/* The score of probabilities out: log-odds, or the log-probability of class c */
static double
Score(const MaasModel *model, const double *out, int c)
{
	double		floor = 1e-300;

	if (model->n_outputs == 2)
		return log(Max(out[1], floor)) - log(Max(out[0], floor));
	return log(Max(out[c], floor));
}

static const char *
TokenName(const MaasTokenizer *tok, int32 id)
{
	if (id >= MAAS_TOKEN_FIRST && id - MAAS_TOKEN_FIRST < tok->n_vocab)
		return tok->vocab[id - MAAS_TOKEN_FIRST];
	return "<unknown>";
}

Jsonb *
MaasExplainText(const MaasModel *model, const MaasInput *in)
{
	int			n_text;
	const MaasColumn *text = MaasTextColumn(&model->prep, &n_text);
	double	   *out = palloc(sizeof(double) * model->n_outputs);
	int32	   *kept = palloc(sizeof(int32) * Max(in->n_tokens, 1));
	int32	   *seen = palloc(sizeof(int32) * Max(in->n_tokens, 1));
	double	   *contrib = palloc(sizeof(double) * Max(in->n_tokens, 1));
	int			n_seen = 0;
	MaasInput	less = *in;
	int			c;
	double		score,
				sum = 0;
	MaasJson	json;

	model->algorithm->predict(model, in, out);
	c = MaasArgmax(out, model->n_outputs);
	score = Score(model, out, c);
	less.tokens = kept;
	for (int i = 0; i < in->n_tokens; i++)
	{
		int32		id = in->tokens[i] >= MAAS_TOKEN_FIRST ? in->tokens[i] : MAAS_TOKEN_OOV;
		bool		done = false;

		for (int k = 0; k < n_seen && !done; k++)
			done = seen[k] == id;
		if (done)
			continue;
		CHECK_FOR_INTERRUPTS();
		less.n_tokens = 0;
		for (int j = 0; j < in->n_tokens; j++)
			if ((in->tokens[j] >= MAAS_TOKEN_FIRST ? in->tokens[j] : MAAS_TOKEN_OOV) != id)
				kept[less.n_tokens++] = in->tokens[j];
		model->algorithm->predict(model, &less, out);
		seen[n_seen] = id;
		contrib[n_seen] = score - Score(model, out, c);
		sum += contrib[n_seen++];
	}

	MaasJsonInit(&json);
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, "prediction");
	model->algorithm->predict(model, in, out);
	MaasJsonNumber(&json, MaasPredictValue(model, out));
	MaasJsonKey(&json, "class");
	MaasJsonString(&json, model->target.labels[c]);
	MaasJsonKey(&json, "score");
	MaasJsonNumber(&json, score);
	MaasJsonKey(&json, "base");
	MaasJsonNumber(&json, score - sum);
	MaasJsonKey(&json, "contributions");
	MaasJsonBeginObject(&json);
	for (int k = 0; k < n_seen; k++)
	{
		MaasJsonKey(&json, TokenName(text->tokenizer, seen[k]));
		MaasJsonNumber(&json, contrib[k]);
	}
	MaasJsonEndObject(&json);
	MaasJsonKey(&json, "columns");
	MaasJsonBeginObject(&json);
	MaasJsonKey(&json, text->name);
	MaasJsonNumber(&json, sum);
	MaasJsonEndObject(&json);
	MaasJsonEndObject(&json);
	return MaasJsonFinish(&json);
}
