# maas: PGXS build.  `make test` and `make demo` do all set-up themselves.

EXTENSION = maas
MODULE_big = maas
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c src/*/*/*.c)))
DATA = $(sort $(wildcard sql/maas--*.sql))

# sql/setup.sql first (datasets and the helpers of schema maas_test, which
# every other file uses), then every other sql/*.sql but the install scripts
REGRESS = setup $(filter-out setup,$(sort $(basename $(notdir $(filter-out sql/maas--%,$(wildcard sql/*.sql))))))
REGRESS_OPTS = --load-extension=maas

# PG_CONFIG from the command line or the environment, else the newest
# /usr/lib/postgresql/N with server headers (test/pg-env.sh picks the same)
PG_CONFIG ?= $(or $(patsubst %/lib/pgxs/src/makefiles/pgxs.mk,%/bin/pg_config,$(lastword \
	$(sort $(wildcard /usr/lib/postgresql/*/lib/pgxs/src/makefiles/pgxs.mk)))),pg_config)

BLAS_INCLUDE ?= /usr/include/x86_64-linux-gnu/openblas-pthread
PG_CPPFLAGS = -I$(BLAS_INCLUDE) -Isrc
# -Wno-missing-variable-declarations: PostgreSQL 18 turns it on, and an
# algorithm's descriptor (const MaasAlgorithm maas_x) is declared only in
# src/algorithms/algorithms.h, which the algorithm's own file must not
# include (src/README.md); older compilers ignore the unknown -Wno- option
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Wno-cast-function-type -Wno-missing-variable-declarations
# OpenBLAS and LAPACKE are loaded at run time with signals blocked (src/blas.h)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The optional module maas_onnx (onnx/maas_onnx.c): built only where ONNX
# Runtime's C headers are found (libonnxruntime-dev, Debian 13 and later),
# linked to it alone; the main library never links ONNX Runtime and loads
# the module on a backend's first ONNX model (src/core/onnx.h)
ONNX_INCLUDE ?= $(firstword $(dir $(wildcard /usr/include/onnxruntime/onnxruntime_c_api.h \
	/usr/local/include/onnxruntime/onnxruntime_c_api.h)))
ifneq ($(ONNX_INCLUDE),)
ONNX_MODULE = onnx/maas_onnx$(DLSUFFIX)
all: $(ONNX_MODULE)
onnx/maas_onnx.o: override CPPFLAGS += -I$(ONNX_INCLUDE)
onnx/maas_onnx.o: src/core/onnx.h src/core/core.h
$(ONNX_MODULE): onnx/maas_onnx.o
	$(CC) $(CFLAGS) onnx/maas_onnx.o $(LDFLAGS) $(LDFLAGS_SL) -shared -o $@ -lonnxruntime
install: install-onnx
install-onnx: $(ONNX_MODULE) installdirs
	$(INSTALL_SHLIB) $(ONNX_MODULE) '$(DESTDIR)$(pkglibdir)/'
clean: clean-onnx
clean-onnx:
	rm -f onnx/maas_onnx.o $(ONNX_MODULE)
.PHONY: install-onnx clean-onnx
endif

# PGXS does not track headers: every object depends on all of them
$(OBJS): $(wildcard src/*/*.h src/*/*/*.h)

.PHONY: test demo bench test-matrix

# every set-up step, then all tests; ends with "N passed, N failed"
test:
	test/run.sh

demo:
	test/demo.sh

# build, regression and TAP suites in a chroot of each Debian release with
# its own PostgreSQL (15, 17, 18); needs root; test/matrix/run.sh
test-matrix:
	test/matrix/run.sh

bench:
	bench/run.sh
