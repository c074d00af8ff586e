namespace ModelRegistry.Platform;

/// <summary>A message that no retry can fix: it goes to the error queue with this reason.</summary>
public sealed class InvalidMessageException(string reason) : Exception(reason);
