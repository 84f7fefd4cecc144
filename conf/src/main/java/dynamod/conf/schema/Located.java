package dynamod.conf.schema;

import dynamod.conf.SourcePosition;

/** A value with the place it was written, kept while cross-file checks may still need to point at it. */
public record Located<T>(T value, SourcePosition position) {}
