/// WheelhouseCore: the pure rules of Python packaging Wheelhouse relies on
/// (PEP 503/508 names, PEP 440 versions, PEP 508 markers, wheel and sdist filenames,
/// core metadata) and the simple-index model. No I/O, no clock, no logger.
public enum WheelhouseCore {}
