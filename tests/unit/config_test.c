// cfg tree and accessors: every error names file:line:col, limits hold.
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/tree.h"

static cfg_doc *parse_ok(const char *text)
{
    cfg_doc *d = NULL;
    cfg_error err = {0};
    int rc = cfg_parse("t.yaml", text, strlen(text), NULL, &d, &err);
    if (rc)
        fail_msg("unexpected error %d: %s", rc, err.msg);
    return d;
}

// Parses text expecting -EINVAL with exactly message `want`.
static void parse_fails(const char *text, const cfg_limits *lim, const char *want)
{
    cfg_doc *d = NULL;
    cfg_error err = {0};
    int rc = cfg_parse("t.yaml", text, strlen(text), lim, &d, &err);
    assert_int_equal(rc, -EINVAL);
    assert_null(d);
    assert_string_equal(err.msg, want);
}

static void test_tree_happy_path_marks_and_kinds(void **state)
{
    cfg_doc *d = parse_ok("a: 1\n"
                          "b:\n"
                          "  - x\n"
                          "  - \"y\"\n"
                          "c: {k: v}\n");
    const cfg_node *r = cfg_doc_root(d);
    assert_int_equal(r->kind, CFG_MAP);
    assert_int_equal(r->n, 3);
    const cfg_node *a = cfg_map_get(r, "a");
    assert_string_equal(a->str, "1");
    assert_int_equal(a->line, 1);
    assert_int_equal(a->col, 4);
    assert_int_equal(a->key_line, 1);
    assert_int_equal(a->key_col, 1);
    const cfg_node *b = cfg_map_get(r, "b");
    assert_int_equal(b->kind, CFG_SEQ);
    assert_int_equal(b->n, 2);
    assert_int_equal(b->items[1]->line, 4);
    assert_int_equal(b->items[1]->col, 5);
    assert_false(b->items[0]->quoted);
    assert_true(b->items[1]->quoted);
    const cfg_node *c = cfg_map_get(r, "c");
    assert_int_equal(c->kind, CFG_MAP);
    assert_string_equal(cfg_map_get(c, "k")->str, "v");
    assert_null(cfg_map_get(r, "missing"));
    assert_string_equal(cfg_doc_name(d), "t.yaml");
    assert_int_equal(cfg_doc_nodes(d), 3 + 3 + 2 + 2 + 1); // values, keys, items, root
    cfg_doc_free(d);
}

static void test_tree_empty_document_has_null_root(void **state)
{
    cfg_doc *d = parse_ok("");
    assert_null(cfg_doc_root(d));
    cfg_doc_free(d);
    d = parse_ok("# only a comment\n");
    assert_null(cfg_doc_root(d));
    cfg_doc_free(d);
    cfg_doc_free(NULL);
}

static void test_tree_syntax_error_has_position(void **state)
{
    parse_fails("a: 1\nb: [1, 2\n", NULL,
                "t.yaml:3:1: did not find expected ',' or ']' (while parsing a flow "
                "sequence at line 2 column 4)");
    parse_fails("a: b: c\n", NULL, "t.yaml:1:5: mapping values are not allowed in this context");
}

static void test_tree_duplicate_key_is_error_at_second(void **state)
{
    parse_fails("a: 1\nb: 2\na: 3\n", NULL, "t.yaml:3:1: duplicate key 'a' (first at line 1)");
    parse_fails("x:\n  k: 1\n  j: 2\n  k: 3\n  j: 4\n", NULL,
                "t.yaml:4:3: duplicate key 'k' (first at line 2)");
}

static void test_tree_non_scalar_key_is_error(void **state)
{
    parse_fails("? [a, b]\n: 1\n", NULL, "t.yaml:1:3: mapping keys must be scalars");
}

static void test_tree_alias_is_error(void **state)
{
    parse_fails("a: &x 1\nb: *x\n", NULL, "t.yaml:2:4: aliases (*x) are not supported");
}

static void test_tree_second_document_is_error(void **state)
{
    parse_fails("a: 1\n---\nb: 2\n", NULL, "t.yaml:2:1: only one YAML document is allowed");
}

static void test_tree_depth_limit(void **state)
{
    cfg_limits lim = {.max_depth = 3};
    cfg_doc *d = NULL;
    cfg_error err;
    assert_int_equal(cfg_parse("t.yaml", "[[[1]]]", 7, &lim, &d, &err), 0);
    cfg_doc_free(d);
    parse_fails("[[[[1]]]]", &lim, "t.yaml:1:4: nesting deeper than 3 levels");
    // The default limit stops a pathological nesting early, whatever the input size.
    char deep[4001];
    memset(deep, '[', 4000);
    deep[4000] = '\0';
    parse_fails(deep, NULL, "t.yaml:1:33: nesting deeper than 32 levels");
}

static void test_tree_node_limit(void **state)
{
    cfg_limits lim = {.max_nodes = 4};
    parse_fails("[1, 2, 3, 4]", &lim, "t.yaml:1:11: document has more than 4 nodes");
    parse_fails("{a: 1, b: 2}", &lim, "t.yaml:1:11: document has more than 4 nodes");
}

static void test_tree_scalar_limit(void **state)
{
    cfg_limits lim = {.max_scalar = 4};
    parse_fails("a: abcde\n", &lim, "t.yaml:1:4: scalar of 5 bytes is longer than the limit of 4");
    cfg_doc *d = NULL;
    cfg_error err;
    assert_int_equal(cfg_parse("t.yaml", "a: abcd\n", 8, &lim, &d, &err), 0);
    cfg_doc_free(d);
}

static void test_tree_size_limit(void **state)
{
    cfg_limits lim = {.max_bytes = 8};
    parse_fails("a: 123456\n", &lim, "t.yaml: input of 10 bytes is larger than the limit of 8");
}

static void test_tree_invalid_utf8_is_error(void **state)
{
    parse_fails("a: \xff\xfe\n", NULL, "t.yaml: invalid leading UTF-8 octet at byte 3");
}

static void test_tree_file_errors(void **state)
{
    char dir[] = "/tmp/cfgtestXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    cfg_doc *d = NULL;
    cfg_error err;
    assert_int_equal(cfg_parse_file(path, NULL, &d, &err), -ENOENT);
    char want[512];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err.msg, want);
    assert_int_equal(cfg_parse_file(dir, NULL, &d, &err), -EISDIR);

    FILE *f = fopen(path, "w");
    fputs("k:\n  - 1\n  - [\n", f);
    fclose(f);
    assert_int_equal(cfg_parse_file(path, NULL, &d, &err), -EINVAL);
    assert_int_equal(err.line, 4);
    snprintf(want, sizeof want, "%s:4:1:", path);
    assert_memory_equal(err.msg, want, strlen(want));

    cfg_limits lim = {.max_bytes = 4};
    assert_int_equal(cfg_parse_file(path, &lim, &d, &err), -EFBIG);
    f = fopen(path, "w");
    fputs("k: v\n", f);
    fclose(f);
    assert_int_equal(cfg_parse_file(path, NULL, &d, &err), 0);
    assert_string_equal(cfg_map_get(cfg_doc_root(d), "k")->str, "v");
    assert_string_equal(cfg_doc_name(d), path);
    cfg_doc_free(d);
    unlink(path);
    rmdir(dir);
}

// ---- accessors ------------------------------------------------------------

static void test_access_expect_names_kinds(void **state)
{
    cfg_doc *d = parse_ok("a: [1]\nb: x\n");
    cfg_error err;
    const cfg_node *a = cfg_map_get(cfg_doc_root(d), "a");
    assert_int_equal(cfg_expect(d, a, CFG_SEQ, &err), 0);
    assert_int_equal(cfg_expect(d, a, CFG_MAP, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:1:4: expected a mapping, got a sequence");
    assert_int_equal(cfg_expect(d, cfg_map_get(cfg_doc_root(d), "b"), CFG_SEQ, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:2:4: expected a sequence, got a scalar");
    cfg_doc_free(d);
}

static void test_access_unknown_key_suggests(void **state)
{
    static const char *const allowed[] = {"listen", "binary", NULL};
    cfg_doc *d = parse_ok("binary: x\nlisen: y\n");
    cfg_error err;
    assert_int_equal(cfg_check_keys(d, cfg_doc_root(d), allowed, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:2:1: unknown key 'lisen' (did you mean 'listen'?)");
    cfg_doc_free(d);
    d = parse_ok("binary: x\nzzzzzz: y\n");
    assert_int_equal(cfg_check_keys(d, cfg_doc_root(d), allowed, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:2:1: unknown key 'zzzzzz'");
    cfg_doc_free(d);
    d = parse_ok("binary: x\nlisten: y\n");
    assert_int_equal(cfg_check_keys(d, cfg_doc_root(d), allowed, &err), 0);
    cfg_doc_free(d);
}

static void test_access_u64_range_and_type(void **state)
{
    cfg_doc *d = parse_ok("a: 42\nb: 70000\nc: -1\nd: 99999999999999999999999\ne: [1]\n");
    const cfg_node *r = cfg_doc_root(d);
    cfg_error err;
    uint64_t v = 0;
    assert_int_equal(cfg_get_u64(d, cfg_map_get(r, "a"), 0, 100, &v, &err), 0);
    assert_int_equal(v, 42);
    assert_int_equal(cfg_get_u64(d, cfg_map_get(r, "b"), 1, 65535, &v, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:2:4: 70000 is out of range [1, 65535]");
    assert_int_equal(cfg_get_u64(d, cfg_map_get(r, "c"), 0, 10, &v, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:3:4: expected an integer, got '-1'");
    assert_int_equal(cfg_get_u64(d, cfg_map_get(r, "d"), 0, UINT64_MAX, &v, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:4:4: 99999999999999999999999 is out of range "
                                 "[0, 18446744073709551615]");
    assert_int_equal(cfg_get_u64(d, cfg_map_get(r, "e"), 0, 10, &v, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:5:4: expected an integer, got a sequence");
    assert_int_equal(v, 42); // untouched on error
    cfg_doc_free(d);
}

static void test_access_bool_str_enum(void **state)
{
    static const char *const lv[] = {"debug", "info", NULL};
    cfg_doc *d = parse_ok("a: yes\nb: Off\nc: maybe\nd: info\ne: \"a\\0b\"\nf: {}\n");
    const cfg_node *r = cfg_doc_root(d);
    cfg_error err;
    bool b = false;
    assert_int_equal(cfg_get_bool(d, cfg_map_get(r, "a"), &b, &err), 0);
    assert_true(b);
    assert_int_equal(cfg_get_bool(d, cfg_map_get(r, "b"), &b, &err), 0);
    assert_false(b);
    assert_int_equal(cfg_get_bool(d, cfg_map_get(r, "c"), &b, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:3:4: expected true or false, got 'maybe'");
    int e = -1;
    assert_int_equal(cfg_get_enum(d, cfg_map_get(r, "d"), lv, &e, &err), 0);
    assert_int_equal(e, 1);
    assert_int_equal(cfg_get_enum(d, cfg_map_get(r, "c"), lv, &e, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:3:4: expected one of: debug, info; got 'maybe'");
    const char *s;
    assert_int_equal(cfg_get_str(d, cfg_map_get(r, "e"), 0, &s, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:5:4: string contains a NUL byte");
    assert_int_equal(cfg_get_str(d, cfg_map_get(r, "d"), 3, &s, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:4:4: string of 4 bytes is longer than 3");
    assert_int_equal(cfg_get_str(d, cfg_map_get(r, "f"), 0, &s, &err), -EINVAL);
    assert_string_equal(err.msg, "t.yaml:6:4: expected a string, got a mapping");
    assert_int_equal(cfg_get_str(d, cfg_map_get(r, "d"), 0, &s, &err), 0);
    assert_string_equal(s, "info");
    cfg_doc_free(d);
}

static void test_access_null_forms(void **state)
{
    cfg_doc *d = parse_ok("a:\nb: ~\nc: null\nd: \"null\"\ne: x\n");
    const cfg_node *r = cfg_doc_root(d);
    assert_true(cfg_is_null(cfg_map_get(r, "a")));
    assert_true(cfg_is_null(cfg_map_get(r, "b")));
    assert_true(cfg_is_null(cfg_map_get(r, "c")));
    assert_false(cfg_is_null(cfg_map_get(r, "d")));
    assert_false(cfg_is_null(cfg_map_get(r, "e")));
    cfg_doc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_happy_path_marks_and_kinds),
        cmocka_unit_test(test_tree_empty_document_has_null_root),
        cmocka_unit_test(test_tree_syntax_error_has_position),
        cmocka_unit_test(test_tree_duplicate_key_is_error_at_second),
        cmocka_unit_test(test_tree_non_scalar_key_is_error),
        cmocka_unit_test(test_tree_alias_is_error),
        cmocka_unit_test(test_tree_second_document_is_error),
        cmocka_unit_test(test_tree_depth_limit),
        cmocka_unit_test(test_tree_node_limit),
        cmocka_unit_test(test_tree_scalar_limit),
        cmocka_unit_test(test_tree_size_limit),
        cmocka_unit_test(test_tree_invalid_utf8_is_error),
        cmocka_unit_test(test_tree_file_errors),
        cmocka_unit_test(test_access_expect_names_kinds),
        cmocka_unit_test(test_access_unknown_key_suggests),
        cmocka_unit_test(test_access_u64_range_and_type),
        cmocka_unit_test(test_access_bool_str_enum),
        cmocka_unit_test(test_access_null_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
