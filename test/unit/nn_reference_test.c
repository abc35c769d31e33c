/*
 * nn_reference_test.c
 *	  The forward and backward passes of src/algorithms/nn against PyTorch
 *	  on the same weights.  Prints TAP (test/suite/nn.sh).
 *
 *	  nn_reference_test [REFERENCE]   (test/reference/nn_reference.txt)
 *
 * The reference file's "net" records are written by
 * test/reference/nn_reference.py in float64 from float32 weights and
 * inputs, so a reference value is exact to ~1e-15 and the errors measured
 * are maas's float32 ones.  Per network: NnForward's outputs and output
 * pre-activations and NnLossGrad's loss; NnBackward's gradients of
 * parameters and inputs against autograd; and mlp's serving path (model
 * bytes in MlpSerialize's layout, deserialized by maas_mlp.deserialize,
 * then maas_mlp.predict on raw inputs through standardization, and for
 * regression the target's scale and mean).  They pass within REF_TOL =
 * 1e-5 relative.  A pre-activation's error is relative to max(|z|, |a| @
 * |W| + |b|), the magnitude float32 rounds at (a value that cancels to
 * near 0 has an absolute error of that order); an output's to the largest
 * magnitude of its row; the loss's to itself; gradients' (REF_GRAD_TOL =
 * 1e-4: they sum longer chains of float32 products) to max(|g|, REF_FLOOR
 * = 1e-2 of the vector's largest).  Observed: <= 3e-7 for outputs, losses
 * and predictions, <= 2e-5 for gradients.
 */
#include "postgres.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/pg_prng.h"
#include "lib/stringinfo.h"

#include "algorithms/algorithms.h"
#include "algorithms/nn/nn.h"
#include "unit.h"

#define REF_TOL			1e-5
#define REF_GRAD_TOL	1e-4
#define REF_FLOOR		1e-2	/* of the vector's largest |reference| */

/* Model bytes of mlp's format (MlpSerialize), then deserialize and predict */
static void
ReferenceServe(const char *name, const NnNet *net, const float *params, int loss, int rows,
			   const float *x, const double *torch_out, const double *row_mag)
{
	MaasModel	model;
	StringInfoData buf;
	MaasReader	reader;
	int			p = net->layers[0].in;
	int			k = net->layers[net->n_layers - 1].out;
	double	   *mean = palloc(sizeof(double) * p);
	double	   *scale = palloc(sizeof(double) * p);
	double		y_mean = loss < NN_BCE ? 0.25 : 0;
	double		y_scale = loss < NN_BCE ? 2.0 : 1;
	double		one = 1.0;
	double	   *raw = palloc(sizeof(double) * p);
	double	   *got;
	double	   *want;
	double	   *mag;
	int			n_out;
	double		err;

	memset(&model, 0, sizeof(model));
	model.algorithm = &maas_mlp;
	model.task = loss == NN_BCE ? MAAS_TASK_BINARY : loss == NN_CCE ? MAAS_TASK_MULTICLASS :
		MAAS_TASK_REGRESSION;
	model.n_features = p;
	model.n_outputs = loss == NN_BCE ? 2 : loss == NN_CCE ? k : 1;
	n_out = model.n_outputs;
	got = palloc(sizeof(double) * rows * n_out);
	want = palloc(sizeof(double) * rows * n_out);
	mag = palloc(sizeof(double) * rows * n_out);
	initStringInfo(&buf);
	MaasWriteU32(&buf, (uint32) net->n_layers);
	for (int l = 0; l < net->n_layers; l++)
	{
		MaasWriteU32(&buf, (uint32) net->layers[l].out);
		MaasWriteU8(&buf, (uint8) net->layers[l].activation);
		MaasWriteDouble(&buf, 0);
	}
	MaasWriteFloats(&buf, params, net->n_params);
	/* inputs standardized by (x - 1) / 2: x * 2 + 1 in double is exact */
	for (int j = 0; j < p; j++)
	{
		mean[j] = 1;
		scale[j] = 2;
	}
	MaasWriteDoubles(&buf, mean, p);
	MaasWriteDoubles(&buf, scale, p);
	MaasWriteDouble(&buf, y_mean);
	MaasWriteDouble(&buf, y_scale);
	MaasWriteU32(&buf, 1);
	MaasWriteU32(&buf, 1);
	MaasWriteDoubles(&buf, &one, 1);
	MaasWriteDoubles(&buf, &one, 1);
	MaasReaderInit(&reader, (const uint8 *) buf.data, buf.len, "mlp model");
	model.state = maas_mlp.deserialize(&reader, &model);
	for (int r = 0; r < rows; r++)
	{
		MaasInput	in;

		for (int j = 0; j < p; j++)
			raw[j] = (double) x[r * p + j] * 2 + 1;
		in.kind = MAAS_INPUT_DENSE;
		in.x = raw;
		maas_mlp.predict(&model, &in, got + (int64) r * n_out);
		for (int o = 0; o < n_out; o++)
		{
			double	   *wr = want + (int64) r * n_out;

			mag[(int64) r * n_out + o] = row_mag[(int64) r * k] * y_scale;
			if (loss == NN_BCE)
			{
				wr[0] = 1 - torch_out[r];
				wr[1] = torch_out[r];
				break;
			}
			wr[o] = loss == NN_CCE ? torch_out[(int64) r * k + o] :
				torch_out[r] * y_scale + y_mean;
		}
	}
	err = MaxScaledErr(got, want, mag, (int64) rows * n_out);
	Tap(err <= REF_TOL, "PyTorch, %s: mlp's predict on the deserialized model, %d rows, max err %.1e",
		name, rows, err);
}

static void
ReferenceNet(const Record *r)
{
	char	   *name = pnstrdup(r->head + 4, strcspn(r->head + 4, " \n"));
	int			inputs = atoi(HeadValue(r, "inputs"));
	int			k = atoi(HeadValue(r, "outputs"));
	int			out_act = Choice(unit_activations, 7, HeadValue(r, "output"));
	int			loss = Choice(unit_losses, 5, HeadValue(r, "loss"));
	double		delta = strtod(HeadValue(r, "delta"), NULL);
	int			rows = atoi(HeadValue(r, "rows"));
	char	   *hidden = HeadValue(r, "hidden");
	int			units[64];
	int			acts[64];
	float		dropout[64] = {0};
	int			n_hidden = 0;
	NnNet		net;
	NnWork		w;
	int			ip, ix, iy, iout, iz, imag, iloss, idin, igrad;
	double	   *row_mag;
	float	   *grad;
	float	   *dinput;
	double		lossv;
	double		e_out, e_z, e_loss, e_grad, e_din;

	for (char *tok = strtok(hidden, ","); tok != NULL; tok = strtok(NULL, ","))
	{
		char	   *colon = strchr(tok, ':');

		units[n_hidden] = atoi(tok);
		acts[n_hidden] = colon ? Choice(unit_activations, 6, colon + 1) : -1;
		if (acts[n_hidden] < 0 || units[n_hidden] < 1)
		{
			Tap(false, "reference %s: hidden layer \"%s\"", name, tok);
			return;
		}
		n_hidden++;
	}
	if (out_act < 0 || loss < 0 || rows < 1 || inputs < 1 || k < 1)
	{
		Tap(false, "reference %s: a bad net line", name);
		return;
	}
	NnInitNet(&net, inputs, n_hidden, units, acts, dropout, k, out_act);
	if ((ip = Need(r, "params", 0, net.n_params)) < 0 ||
		(ix = Need(r, "x", 0, (int64) rows * inputs)) < 0 ||
		(iy = Need(r, "y", 0, rows)) < 0 ||
		(iout = Need(r, "out", 0, (int64) rows * k)) < 0 ||
		(iz = Need(r, "z", 0, (int64) rows * k)) < 0 ||
		(imag = Need(r, "zmag", 0, (int64) rows * k)) < 0 ||
		(iloss = Need(r, "loss", 0, 1)) < 0 ||
		(idin = Need(r, "dinput", 0, (int64) rows * inputs)) < 0 ||
		(igrad = Need(r, "grad", 0, net.n_params)) < 0)
		return;
	NnWorkInit(&w, &net, rows, false);
	memcpy(w.a[0], r->floats[ix], sizeof(float) * rows * inputs);
	NnForward(&net, r->floats[ip], &w, rows, NULL);
	lossv = NnLossGrad(loss, w.z[net.n_layers - 1], r->floats[iy], rows, k, delta, 1.0f, w.dz);
	/* z against its magnitude; an output against the largest of its row's */
	row_mag = palloc(sizeof(double) * rows * k);
	for (int i = 0; i < rows; i++)
	{
		double		top = 0;

		for (int j = 0; j < k; j++)
			top = Max(top, r->values[imag][i * k + j]);
		for (int j = 0; j < k; j++)
			row_mag[i * k + j] = top;
	}
	e_out = MaxScaledErr(ToDouble(w.a[net.n_layers], (int64) rows * k), r->values[iout],
						 row_mag, (int64) rows * k);
	e_z = MaxScaledErr(ToDouble(w.z[net.n_layers - 1], (int64) rows * k), r->values[iz],
					   r->values[imag], (int64) rows * k);
	e_loss = MaxRelErr(&lossv, r->values[iloss], 1, 0, 1e-30, NULL);
	Tap(e_out <= REF_TOL && e_z <= REF_TOL && e_loss <= REF_TOL,
		"PyTorch, %s: NnForward outputs max err %.1e, pre-activations %.1e, NnLossGrad's loss %.1e",
		name, e_out, e_z, e_loss);

	grad = palloc0(sizeof(float) * net.n_params);
	dinput = palloc(sizeof(float) * rows * inputs);
	NnBackward(&net, r->floats[ip], &w, rows, grad, dinput);
	e_grad = MaxRelErr(ToDouble(grad, net.n_params), r->values[igrad], net.n_params,
					   REF_FLOOR, 1e-30, NULL);
	e_din = MaxRelErr(ToDouble(dinput, (int64) rows * inputs), r->values[idin],
					  (int64) rows * inputs, REF_FLOOR, 1e-30, NULL);
	Tap(e_grad <= REF_GRAD_TOL && e_din <= REF_GRAD_TOL,
		"PyTorch, %s: NnBackward against autograd, params max err %.1e, inputs %.1e",
		name, e_grad, e_din);

	if (n_hidden > 0)
		ReferenceServe(name, &net, r->floats[ip], loss, rows, r->floats[ix], r->values[iout],
					   row_mag);
}

int
main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "test/reference/nn_reference.txt";
	char	   *error = NULL;
	Record	  **records = NULL;
	int			n_records;
	int			n_nets = 0;

	UnitBegin();
	n_records = ReadReference(path, &records, &error);
	if (error != NULL)
		Tap(false, "read the PyTorch reference: %s", error);
	for (int i = 0; i < n_records; i++)
		if (strncmp(records[i]->head, "net ", 4) == 0)
		{
			ReferenceNet(records[i]);
			n_nets++;
		}
	Tap(error == NULL && n_nets >= 30, "the PyTorch reference has %d networks", n_nets);
	return UnitEnd();
}
