/* LOCAL-ONLY: subset of Supabase's supautils behaviour; see supautils_shim.c. */
#ifndef SUPAUTILS_SHIM_H
#define SUPAUTILS_SHIM_H

extern void supautils_shim_init(void);

#endif
