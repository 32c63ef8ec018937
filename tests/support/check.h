// check: failure counting for the C end-to-end tests. They start real processes and must stop
// them whatever happens, so a failed check is reported and counted instead of aborting:
// CHECK goes on, REQUIRE jumps to the test's `done:` label (its clean-up). main returns
// `failures ? 1 : 0`. Include from the test's main file only.
#ifndef OUTRIG_TEST_CHECK_H
#define OUTRIG_TEST_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK_REPORT(cond, ...)                                                                    \
    do {                                                                                           \
        fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        failures++;                                                                                \
    } while (0)

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            CHECK_REPORT(cond, __VA_ARGS__);                                                       \
    } while (0)

#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            CHECK_REPORT(cond, __VA_ARGS__);                                                       \
            goto done;                                                                             \
        }                                                                                          \
    } while (0)

#endif
