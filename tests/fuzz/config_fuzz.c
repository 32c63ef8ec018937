// libFuzzer harness for common/config: the generic tree (with small limits so
// that they are hit) and the typed outrig.yaml layer on top of it.
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/outrig.h"
#include "config/tree.h"

// Touches every node and its strings so that a bad pointer or length shows.
static size_t walk(const cfg_node *n, unsigned depth)
{
    if (!n || depth > CFG_MAX_DEPTH + 1)
        __builtin_trap();
    size_t sum = (size_t)n->line + (size_t)n->col;
    if (n->key)
        sum += strlen(n->key);
    if (n->kind == CFG_SCALAR) {
        if (n->str[n->len] != '\0')
            __builtin_trap();
        sum += n->len;
        return sum;
    }
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == CFG_MAP && !n->items[i]->key)
            __builtin_trap();
        sum += walk(n->items[i], depth + 1);
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cfg_doc *d = NULL;
    cfg_error err;
    cfg_limits small = {.max_nodes = 512, .max_scalar = 256, .max_depth = 8};
    if (cfg_parse("fuzz.yaml", data, size, &small, &d, &err) == 0) {
        const cfg_node *root = cfg_doc_root(d);
        if (root && walk(root, 1) == (size_t)-1)
            __builtin_trap();
        cfg_doc_free(d);
    } else if (strncmp(err.msg, "fuzz.yaml", 9) != 0) {
        __builtin_trap(); // every error names the input
    }
    cfg_outrig *c = malloc(sizeof *c);
    if (!c)
        return 0;
    cfg_outrig_defaults(c);
    if (cfg_outrig_parse(c, "fuzz.yaml", data, size, &err) == 0)
        cfg_outrig_finish(c, "/fuzz", &err);
    free(c);
    return 0;
}
