namespace ModelRegistry.Deployments.Rules;

/// <summary>The registered version an admission request names, with what the decision needs (one query: AdmissionQueries).</summary>
public sealed record AdmissionVersion(Guid VersionId, string ModelName, int Version, string Digest, string Stage, bool RolledBack);
