// triple-fault: an undefined instruction with no IDT escalates to a triple fault.
#include "guest.h"

int guest_main(unsigned vcpu, unsigned nvcpus)
{
    g_puts("about to fault\n");
    __asm__ volatile("ud2");
    return 0;
}
