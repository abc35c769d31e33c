# maas: PGXS build.  `make test` and `make demo` do all set-up themselves.

EXTENSION = maas
MODULE_big = maas
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c src/*/*.c src/*/*/*.c)))
DATA = $(sort $(wildcard sql/maas--*.sql))

# sql/setup.sql first (datasets and the helpers of schema maas_test, which
# every other file uses), then every other sql/*.sql but the install scripts
REGRESS = setup $(filter-out setup,$(sort $(basename $(notdir $(filter-out sql/maas--%,$(wildcard sql/*.sql))))))
REGRESS_OPTS = --load-extension=maas

PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)

BLAS_INCLUDE ?= /usr/include/x86_64-linux-gnu/openblas-pthread
PG_CPPFLAGS = -I$(BLAS_INCLUDE) -Isrc
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Wno-cast-function-type
# OpenBLAS and LAPACKE are loaded at run time with signals blocked (src/blas.h)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS does not track headers: every object depends on all of them
$(OBJS): $(wildcard src/*/*.h src/*/*/*.h)

.PHONY: test demo bench

# every set-up step, then all tests; ends with "N passed, N failed"
test:
	test/run.sh

demo:
	test/demo.sh

bench:
	bench/run.sh
