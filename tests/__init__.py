"""The test suite: one module per module; the emulator on a loopback port, over real HTTP."""
