using System.Globalization;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Deployments.Rules;

/// <summary>
/// What an impact query starts from, parsed from the command line (docs/deployments.md, "Incident queries").
/// </summary>
/// <param name="Kind">Data set, commit or base model.</param>
/// <param name="Text">As given (a commit: lowercased).</param>
/// <param name="Name">A data set: the part before the last '@' (null without one); a base model: the model's name.</param>
/// <param name="Version">A data set: the part after the last '@'; null without one.</param>
/// <param name="ModelVersion">A base model: the version after ':'; null: every version of the model.</param>
public sealed record ImpactTarget(ImpactKind Kind, string Text, string? Name, string? Version, int? ModelVersion)
{
    public const int MinCommitLength = 7;
    public const int MaxCommitLength = 64;

    /// <summary>
    /// A data set as the registry knows it: lineage records a name, a version and a digest, and no URI. The text matches
    /// a data set whose digest is the text, whose name is the text (any version), or whose name and version are the text
    /// split at its last '@' (names may contain '@'; versions are taken to not).
    /// </summary>
    public static (ImpactTarget? Target, string? Problem) Dataset(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return (null, "--dataset: give a digest (sha256:...), NAME or NAME@VERSION");
        if (text.Length > DatasetRules.MaxNameLength + 1 + DatasetRules.MaxVersionLength)
            return (null, $"--dataset: {text.Length} characters; a data set's name, '@' and version are at most {DatasetRules.MaxNameLength + 1 + DatasetRules.MaxVersionLength}");
        var at = text.LastIndexOf('@');
        return at > 0 && at < text.Length - 1
            ? (new ImpactTarget(ImpactKind.Dataset, text, text[..at], text[(at + 1)..], null), null)
            : (new ImpactTarget(ImpactKind.Dataset, text, null, null, null), null);
    }

    /// <summary>A commit: 7-64 hex digits, any case; it matches a registered commit that starts with it, or that it starts with.</summary>
    public static (ImpactTarget? Target, string? Problem) Commit(string? text)
    {
        if (text is null || text.Length is < MinCommitLength or > MaxCommitLength || !FieldRules.IsHex(text))
            return (null, $"--commit: {FieldRules.Shown(text)} is not {MinCommitLength}-{MaxCommitLength} hex digits");
        return (new ImpactTarget(ImpactKind.Commit, text.ToLowerInvariant(), null, null, null), null);
    }

    /// <summary>A base model: NAME (every version) or NAME:VERSION.</summary>
    public static (ImpactTarget? Target, string? Problem) BaseModel(string? text)
    {
        if (string.IsNullOrEmpty(text)) return (null, "--base-model: give NAME or NAME:VERSION");
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        if (!FieldRules.IsName(name)) return (null, $"--base-model: {FieldRules.Shown(name)} is not a model name (a-z, 0-9, '.', '_', '-', 1-100 characters)");
        if (colon < 0) return (new ImpactTarget(ImpactKind.BaseModel, text, name, null, null), null);
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
            return (null, $"--base-model: {FieldRules.Shown(text[(colon + 1)..])} is not a version number (1 or more)");
        return (new ImpactTarget(ImpactKind.BaseModel, text, name, null, version), null);
    }
}
