// The agent site kind's pure translation between the generic adapter types and the Agent API's
// nanopb messages (adapter_agent.c), exposed for its unit test.
#ifndef OUTRIG_ADAPTER_AGENT_INTERNAL_H
#define OUTRIG_ADAPTER_AGENT_INTERNAL_H

#include "adapter/adapter.h"
#include "outrig/v1/agent.pb.h"
#include "rpc/rpc.h"

// Resolves an image to the program the agent runs: an absolute path as is, else a catalogue
// name (1..128 of [A-Za-z0-9._-], not "." or "..") under images. 0 or -EINVAL / -ENAMETOOLONG.
int agent_adapter_image_path(const char *image, const char *images, char *buf, size_t len,
                             adapter_err *err);
// Fills a CreateVnf request from a validated spec. 0 or -EINVAL naming the field the agent
// cannot take (more args or env entries than it allows, a value too long).
int agent_adapter_spec(const adapter_vnf_spec *spec, const char *images,
                       outrig_v1_CreateVnfRequest *out, adapter_err *err);
// Translates what the agent reports about a VNF.
void agent_adapter_info(const outrig_v1_VnfInfo *in, adapter_vnf_info *out);
// The errno an adapter operation returns for an Agent API status (op_start: a VNF already
// running is -EALREADY); fills err with "<field>: <message>".
int agent_adapter_errno(const rpc_status *st, bool op_start, adapter_err *err);

#endif
