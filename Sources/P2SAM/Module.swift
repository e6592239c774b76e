// P2SAM: sources are added file by file; this file keeps the module non-empty.
