// Guest entry: RDI = vCPU index, RSI = vCPU count, RSP = this vCPU's stack (see pv_abi.h).
// The TSC is read first so the host can time create-to-first-instruction.
    .section .text.start, "ax"
    .globl _start
_start:
    rdtsc
    shl $32, %rdx
    or %rax, %rdx
    call guest_entry
1:  hlt
    jmp 1b
    .section .note.GNU-stack, "", @progbits
