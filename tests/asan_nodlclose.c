/* asan_nodlclose: an LD_PRELOAD shim for tests/run_sanitized.sh, never linked into halo. dlclose()
 * does nothing, so that libraries which unload their plugins before exit (Open MPI's components,
 * hwloc's PCI plugin) keep them mapped: LeakSanitizer can then name the library a leak comes from,
 * and tests/lsan.supp, which suppresses third-party libraries by name, applies. */
int dlclose(void *handle);

int dlclose(void *handle)
{
    (void)handle;
    return 0;
}
