/*
 * Router entry point. Embedded Swift has no CommandLine, so the C runtime's
 * main hands argc/argv to the executable's Swift entry, exported with
 * @_cdecl("<module>_entry") (Sources/sprigd/Sprigd.swift,
 * Sources/sprig/Sprig.swift). Board/build.sh compiles this file once per
 * executable with -DSPRIG_ENTRY=<module>_entry. The host build uses each
 * module's main.swift instead, which calls the same function.
 */
#ifndef SPRIG_ENTRY
#error "compile with -DSPRIG_ENTRY=<module>_entry"
#endif

int SPRIG_ENTRY(int argc, char **argv);

int main(int argc, char **argv) {
    return SPRIG_ENTRY(argc, argv);
}
