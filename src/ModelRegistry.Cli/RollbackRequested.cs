namespace ModelRegistry.Cli;

public sealed record RollbackRequested(Guid RollbackId, string ModelName, string IncidentId, string RequestedBy);
