/*
 * compat.h
 *	  What differs between the PostgreSQL major versions maas builds
 *	  against (15 to 18), in one place.  core.h includes it, so every file
 *	  has it.
 *
 * Keep to macros over names PostgreSQL itself declares; a difference that
 * only one file meets stays in that file under a PG_VERSION_NUM guard.
 */
#ifndef MAAS_COMPAT_H
#define MAAS_COMPAT_H

/*
 * PostgreSQL 18 marks functions that do not return with pg_noreturn,
 * before the declaration (C11 _Noreturn), and no longer has
 * pg_attribute_noreturn(), which went after it.  maas uses pg_noreturn;
 * before 18 it is the attribute (GCC and clang take it in front too).  The
 * old name stays defined so that code written against 15 to 17 builds.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif
#ifndef pg_attribute_noreturn
#define pg_attribute_noreturn() __attribute__((noreturn))
#endif

#endif							/* MAAS_COMPAT_H */
