// compact: history retention decisions.
#include "compact.h"

uint64_t sto_compact_target(const sto_retention *r, uint64_t revision, uint64_t compact,
                            uint64_t hist_bytes, uint64_t entries)
{
    uint64_t t = compact;
    if (r->keep_revisions && revision > r->keep_revisions) {
        uint64_t by_revs = revision - r->keep_revisions + 1;
        if (by_revs > t)
            t = by_revs;
    }
    if (r->max_bytes && hist_bytes > r->max_bytes && entries) {
        uint64_t goal = r->max_bytes / 10 * 9;
        // Entries to keep so that the size falls to the goal.
        uint64_t keep = (uint64_t)((double)entries * (double)goal / (double)hist_bytes);
        uint64_t drop = entries - keep;
        // Entries sit at or above compact; dropping `drop` of them moves the
        // boundary at least that far (revisions with no entry only help).
        uint64_t base = compact ? compact : 1;
        if (base + drop > t)
            t = base + drop;
    }
    if (t > revision)
        t = revision; // the newest change always stays
    return t < compact ? compact : t;
}
