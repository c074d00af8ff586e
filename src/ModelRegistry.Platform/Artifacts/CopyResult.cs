using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>
/// The outcome of <see cref="IArtifactStore.CopyVerifiedAsync"/>. <see cref="Ok"/>: the bytes at <see cref="Destination"/>
/// have the expected size and SHA-256. Otherwise nothing was left at the destination: <see cref="Refusal"/> (the path may
/// not be written), or the object is missing (<see cref="Exists"/> false) or its bytes do not match (<see cref="ActualSha256"/>,
/// <see cref="ActualSize"/>: what the stored bytes hash to).
/// </summary>
public sealed record CopyResult(string Destination, bool Exists, bool Ok, string ActualSha256, long ActualSize, Rejection? Refusal = null)
{
    public static CopyResult Refused(Rejection refusal) => new("", false, false, "", 0, refusal);
}
