/*
 * billing.c
 *	  Prices of models (maas.prices), set by their owners: per 1,000
 *	  predictions, per 1,000 rows evaluated and per training second, for one
 *	  version or for all.  maas_invoice (SQL) multiplies them with
 *	  maas.usage_log.  The owner names a billing role whose members may read
 *	  the model's invoices.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "catalog/registry.h"

static const char *const price_keys[] = {"per_1000_predictions", "per_1000_rows_evaluated",
"per_training_second", "version", "billing_role", "currency"};

static JsonbValue *
Member(Jsonb *j, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	return findJsonbValueFromContainer(&j->root, JB_FOBJECT, &k);
}

static void
CheckKeys(Jsonb *price)
{
	JsonbIterator *it = JsonbIteratorInit(&price->root);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_KEY)
		{
			bool		known = false;

			for (int i = 0; i < lengthof(price_keys); i++)
				known |= strlen(price_keys[i]) == v.val.string.len &&
					memcmp(price_keys[i], v.val.string.val, v.val.string.len) == 0;
			if (!known)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown price key \"%.*s\"", v.val.string.len, v.val.string.val),
						 errhint("Keys are per_1000_predictions, per_1000_rows_evaluated, per_training_second, version, billing_role and currency.")));
		}
}

/* An amount: a number >= 0, or 0 when absent */
static Datum
Amount(Jsonb *price, const char *key)
{
	JsonbValue *v = Member(price, key);

	if (v == NULL || v->type == jbvNull)
		return DirectFunctionCall1(int4_numeric, Int32GetDatum(0));
	if (v->type != jbvNumeric ||
		DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(v->val.numeric),
										 DirectFunctionCall1(int4_numeric, Int32GetDatum(0)))) ||
		numeric_is_nan(v->val.numeric))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("price \"%s\" must be a number from 0 up", key)));
	return NumericGetDatum(v->val.numeric);
}

static char *
Text(Jsonb *price, const char *key)
{
	JsonbValue *v = Member(price, key);

	if (v == NULL || v->type == jbvNull)
		return NULL;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("price key \"%s\" must be a string", key)));
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * maas_set_price(name, price jsonb) -> void: the owner's price for a model,
 * for the version given (else every version without a price of its own).
 * Without an amount ({"version": 2}, {} or NULL) it removes that price.
 */
PG_FUNCTION_INFO_V1(maas_set_price);
Datum
maas_set_price(PG_FUNCTION_ARGS)
{
	char	   *name;
	Jsonb	   *price = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	Oid			types[7] = {TEXTOID, INT4OID, NUMERICOID, NUMERICOID, NUMERICOID, TEXTOID, TEXTOID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	JsonbValue *version;
	char	   *role;
	char	   *currency;
	bool		priced = false;
	MaasElevation e;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model name must not be NULL")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (price != NULL && !JB_ROOT_IS_OBJECT(price))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a price must be a jsonb object"),
				 errhint("For example: {\"per_1000_predictions\": 0.05, \"per_training_second\": 0.01}.")));
	values[0] = CStringGetTextDatum(name);
	nulls[1] = 'n';
	if (price != NULL)
	{
		CheckKeys(price);
		version = Member(price, "version");
		if (version != NULL && version->type != jbvNull)
		{
			int32		v = version->type == jbvNumeric ?
				DatumGetInt32(DirectFunctionCall1(numeric_int4,
												  NumericGetDatum(version->val.numeric))) : 0;

			if (v < 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("price \"version\" must be a version number from 1 up")));
			values[1] = Int32GetDatum(v);
			nulls[1] = ' ';
		}
		priced = Member(price, "per_1000_predictions") || Member(price, "per_1000_rows_evaluated") ||
			Member(price, "per_training_second");
		values[2] = Amount(price, "per_1000_predictions");
		values[3] = Amount(price, "per_1000_rows_evaluated");
		values[4] = Amount(price, "per_training_second");
		role = Text(price, "billing_role");
		if (role != NULL && strcmp(role, "public") != 0)
			(void) get_role_oid(role, false);
		values[5] = role ? CStringGetTextDatum(role) : (Datum) 0;
		nulls[5] = role ? ' ' : 'n';
		currency = Text(price, "currency");
		values[6] = CStringGetTextDatum(currency ? currency : "USD");
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MaasRegistryRequireOwner(name);
	MaasElevate(&e);
	if (SPI_execute_with_args("DELETE FROM maas.prices WHERE name OPERATOR(pg_catalog.=) $1 "
							  "AND version IS NOT DISTINCT FROM $2",
							  2, types, values, nulls, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "could not delete from maas.prices");
	if (priced &&
		SPI_execute_with_args("INSERT INTO maas.prices (name, version, per_1000_predictions, "
							  "per_1000_rows_evaluated, per_training_second, billing_role, currency) "
							  "VALUES ($1, $2, $3, $4, $5, $6, $7)",
							  7, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert into maas.prices");
	MaasRestore(&e);
	SPI_finish();
	PG_RETURN_VOID();
}
