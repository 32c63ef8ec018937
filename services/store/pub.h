// pub: the watch fan-out. Every committed change goes out on an nng PUB
// socket as: topic ("/vnf/") + NUL + outrig.v1.WatchBatch.
#ifndef OUTRIG_STO_PUB_H
#define OUTRIG_STO_PUB_H

#include "backend.h"
#include "outrig/v1/store.pb-c.h"

typedef struct sto_pub sto_pub;

// Listens on url (ipc socket files are made 0600). NULL on failure.
sto_pub *sto_pub_open(const char *url);
void sto_pub_close(sto_pub *p); // NULL is a no-op
// Publishes ch grouped per category (never blocks: PUB drops for slow peers,
// watchers catch up through Changes).
void sto_pub_send(sto_pub *p, const sto_changes *ch);

// Fills ev/kv from c; strings and bytes are borrowed (key must be NUL-terminated).
void sto_event_fill(Outrig__V1__WatchEvent *ev, Outrig__V1__KeyValue *kv, const sto_change *c,
                    const char *key);

#endif
