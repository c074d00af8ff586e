using System.Text.Json;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Platform;

namespace ModelRegistry.Registration.Rules;

/// <summary>The pure checks of a <see cref="ModelTrained"/> against the limits documented on the contract.</summary>
public static class RegistrationRules
{
    public static readonly IReadOnlySet<string> RiskTiers = new HashSet<string>(StringComparer.Ordinal) { "low", "medium", "high", "critical" };
    public static readonly IReadOnlySet<string> FileRoles = new HashSet<string>(StringComparer.Ordinal) { "weights", "config", "tokenizer", "other" };

    public const int MaxDescriptionLength = 4000;
    public const int MaxTags = 50;
    public const int MaxTagKeyLength = 64;
    public const int MaxTagValueLength = 256;
    public const int MaxFiles = 1000;
    public const long MaxFileSize = ArtifactPaths.MaxFileSize;
    public const int MaxTrainingRunIdLength = 200;
    public const int MaxTrainingRunUrlLength = 2000;
    public const int MaxCodeRepositoryLength = 500;
    public const int MaxDatasets = 100;
    public const int MaxHyperparameters = 200;
    public const int MaxHyperparametersBytes = 64 * 1024;
    public const int MaxIdempotencyKeyLength = 200;

    /// <summary>
    /// The first problem with <paramref name="m"/>, or null when it may be registered. Fields are checked in the
    /// contract's declaration order, and list items in list order, so the same message always gets the same answer.
    /// </summary>
    public static Rejection? Validate(ModelTrained m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return FieldRules.Name(m.ModelName, "modelName")
            ?? FieldRules.Name(m.OwnerTeam, "ownerTeam")
            ?? FieldRules.OptionalText(m.Description, "description", MaxDescriptionLength)
            ?? Tags(m.Tags)
            ?? RiskTier(m.RiskTier)
            ?? Manifest(m.Artifact)
            ?? Lineage(m.Lineage)
            ?? FieldRules.Timestamp(m.TrainedAt, "trainedAt")
            ?? FieldRules.OptionalText(m.IdempotencyKey, "idempotencyKey", MaxIdempotencyKeyLength);
    }

    /// <summary>The registration's idempotency key: the pipeline's, or "run id:model name". Call after <see cref="Validate"/>.</summary>
    public static string IdempotencyKey(ModelTrained m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return string.IsNullOrEmpty(m.IdempotencyKey) ? $"{m.Lineage!.TrainingRunId}:{m.ModelName}" : m.IdempotencyKey;
    }

    /// <summary>
    /// The key a refused message carries back to its pipeline (docs/messages.md: "as sent or derived"): its own when it has one,
    /// else "run id:model name" when it has both, else null. Refused input may be anything: the rejection clips it.
    /// </summary>
    public static string? KeyOfRefused(ModelTrained m)
    {
        ArgumentNullException.ThrowIfNull(m);
        if (!string.IsNullOrEmpty(m.IdempotencyKey)) return m.IdempotencyKey;
        return string.IsNullOrWhiteSpace(m.Lineage?.TrainingRunId) || string.IsNullOrWhiteSpace(m.ModelName)
            ? null
            : $"{m.Lineage.TrainingRunId}:{m.ModelName}";
    }

    /// <summary>Whether <paramref name="value"/> is a SHA-256 as the contract writes it: 64 lowercase hex digits.</summary>
    public static bool IsSha256(string? value) => FieldRules.IsSha256Hex(value);

    private static Rejection? RiskTier(string? tier)
    {
        if (string.IsNullOrEmpty(tier)) return FieldRules.Missing("riskTier");
        return RiskTiers.Contains(tier)
            ? null
            : new(RejectionReasons.InvalidValue, $"riskTier: {FieldRules.Shown(tier)} is not one of low, medium, high, critical");
    }

    private static Rejection? Tags(Dictionary<string, string>? tags)
    {
        if (tags is null) return null;
        if (tags.Count > MaxTags) return new(RejectionReasons.LimitExceeded, $"tags: {tags.Count} tags, at most {MaxTags}");
        foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            var field = $"tags[{FieldRules.Shown(key)}]";
            if (!FieldRules.IsName(key, MaxTagKeyLength))
                return new(RejectionReasons.InvalidName,
                    $"{field}: the key must be 1-{MaxTagKeyLength} characters of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
            if (value is null) return FieldRules.Missing(field);
            if (FieldRules.OptionalText(value, field, MaxTagValueLength) is { } problem) return problem;
        }
        return null;
    }

    private static Rejection? Manifest(ArtifactManifest? artifact)
    {
        if (artifact is null) return FieldRules.Missing("artifact");
        var files = artifact.Files;
        if (files is null || files.Count == 0)
            return new(RejectionReasons.MissingField, "artifact.files: at least one file is required");
        if (files.Count > MaxFiles)
            return new(RejectionReasons.LimitExceeded, $"artifact.files: {files.Count} files, at most {MaxFiles}");

        // Case-insensitive: two paths that differ only in case collide when the artifact is unpacked on macOS or Windows.
        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < files.Count; i++)
        {
            var field = $"artifact.files[{i}]";
            if (ArtifactFile(files[i], field) is { } problem) return problem;
            if (!seen.TryAdd(files[i].Path, i))
                return new(RejectionReasons.InvalidValue,
                    $"{field}.path: {FieldRules.Shown(files[i].Path)} is also artifact.files[{seen[files[i].Path]}].path (paths are unique, ignoring case)");
        }

        // "a" and "a/b" cannot both be files: one would have to be a directory.
        for (var i = 0; i < files.Count; i++)
        {
            var path = files[i].Path;
            for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                if (seen.TryGetValue(path[..slash], out var other))
                    return new(RejectionReasons.InvalidValue,
                        $"artifact.files[{i}].path: {FieldRules.Shown(path)} is below artifact.files[{other}].path, which is a file");
            }
        }
        return null;
    }

    private static Rejection? ArtifactFile(ArtifactFile? file, string field)
    {
        if (file is null) return FieldRules.Missing(field);
        if (ArtifactPaths.ValidateRelativePath(file.Path, $"{field}.path") is { } path) return path;

        if (string.IsNullOrEmpty(file.Role)) return FieldRules.Missing($"{field}.role");
        if (!FileRoles.Contains(file.Role))
            return new(RejectionReasons.InvalidValue, $"{field}.role: {FieldRules.Shown(file.Role)} is not one of weights, config, tokenizer, other");

        if (string.IsNullOrEmpty(file.Sha256)) return FieldRules.Missing($"{field}.sha256");
        if (!FieldRules.IsSha256Hex(file.Sha256))
            return new(RejectionReasons.InvalidValue, $"{field}.sha256: {FieldRules.Shown(file.Sha256)} is not 64 lowercase hex digits");

        if (file.Size < 0) return new(RejectionReasons.InvalidValue, $"{field}.size: {file.Size} is negative");
        if (file.Size > MaxFileSize)
            return new(RejectionReasons.LimitExceeded, $"{field}.size: {file.Size} bytes, at most {MaxFileSize} (1 TiB)");

        return ArtifactPaths.ValidateSourceUriSyntax(file.SourceUri, $"{field}.sourceUri");
    }

    private static Rejection? Lineage(Lineage? lineage)
    {
        if (lineage is null) return FieldRules.Missing("lineage");
        return FieldRules.RequiredText(lineage.TrainingRunId, "lineage.trainingRunId", MaxTrainingRunIdLength)
            ?? TrainingRunUrl(lineage.TrainingRunUrl)
            ?? FieldRules.RequiredText(lineage.CodeRepository, "lineage.codeRepository", MaxCodeRepositoryLength)
            ?? CodeCommit(lineage.CodeCommit)
            ?? Datasets(lineage.Datasets)
            ?? BaseModel(lineage.BaseModel)
            ?? Hyperparameters(lineage.Hyperparameters);
    }

    private static Rejection? TrainingRunUrl(string? url)
    {
        const string Field = "lineage.trainingRunUrl";
        if (string.IsNullOrEmpty(url)) return null;
        if (url.Length > MaxTrainingRunUrlLength)
            return new(RejectionReasons.LimitExceeded, $"{Field}: {url.Length} characters, at most {MaxTrainingRunUrlLength}");
        // Checked before parsing: Uri trims and quietly escapes what it does not like.
        if (url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c > '~'))
            return new(RejectionReasons.InvalidValue, $"{Field}: {FieldRules.Shown(url)} contains whitespace, control or non-ASCII characters");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
            return new(RejectionReasons.InvalidValue, $"{Field}: {FieldRules.Shown(url)} is not an absolute http(s) URL");
        if (uri.UserInfo.Length > 0)
            return new(RejectionReasons.InvalidValue, $"{Field}: must not carry credentials (user info)");
        return null;
    }

    private static Rejection? CodeCommit(string? commit)
    {
        const string Field = "lineage.codeCommit";
        if (string.IsNullOrEmpty(commit)) return FieldRules.Missing(Field);
        return commit.Length is >= 7 and <= 64 && FieldRules.IsHex(commit)
            ? null
            : new(RejectionReasons.InvalidValue, $"{Field}: {FieldRules.Shown(commit)} is not 7-64 hex digits");
    }

    private static Rejection? Datasets(List<DatasetRef>? datasets)
    {
        if (datasets is null) return null;
        if (datasets.Count > MaxDatasets)
            return new(RejectionReasons.LimitExceeded, $"lineage.datasets: {datasets.Count} data sets, at most {MaxDatasets}");
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < datasets.Count; i++)
        {
            if (DatasetRules.Check(datasets[i], $"lineage.datasets[{i}]") is { } problem) return problem;
            if (!seen.Add((datasets[i].Name, datasets[i].Version)))
                return new(RejectionReasons.InvalidValue, $"lineage.datasets[{i}]: {datasets[i].Name} version {datasets[i].Version} is listed twice");
        }
        return null;
    }

    private static Rejection? BaseModel(BaseModelRef? baseModel)
    {
        if (baseModel is null) return null;
        return FieldRules.Name(baseModel.Name, "lineage.baseModel.name")
            ?? (baseModel.Version < 1
                ? new(RejectionReasons.InvalidValue, $"lineage.baseModel.version: {baseModel.Version} is not a version number (1 or more)")
                : null);
    }

    private static Rejection? Hyperparameters(Dictionary<string, JsonElement>? hyperparameters)
    {
        const string Field = "lineage.hyperparameters";
        if (hyperparameters is null) return null;
        if (hyperparameters.Count > MaxHyperparameters)
            return new(RejectionReasons.LimitExceeded, $"{Field}: {hyperparameters.Count} entries, at most {MaxHyperparameters}");
        foreach (var (key, value) in hyperparameters.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            var field = $"{Field}[{FieldRules.Shown(key)}]";
            if ((FieldRules.Storable(key, field) ?? StorableJson(value, field)) is { } problem) return problem;
        }

        int bytes;
        try
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(hyperparameters).Length;
        }
        catch (InvalidOperationException)
        {
            return new(RejectionReasons.InvalidValue, $"{Field}: an entry has no JSON value");
        }
        return bytes > MaxHyperparametersBytes
            ? new(RejectionReasons.LimitExceeded, $"{Field}: {bytes} bytes serialized, at most {MaxHyperparametersBytes}")
            : null;
    }

    /// <summary>jsonb refuses \u0000 and unpaired surrogates in strings, as text columns do.</summary>
    private static Rejection? StorableJson(JsonElement value, string field)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Undefined:
                return new(RejectionReasons.InvalidValue, $"{field}: has no JSON value");
            case JsonValueKind.String:
                return StorableString(value, field);
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (StorableJson(item, field) is { } problem) return problem;
                }
                return null;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return Unpaired(field);
                    }
                    if ((FieldRules.Storable(name, field) ?? StorableJson(property.Value, field)) is { } problem) return problem;
                }
                return null;
            default:
                return null;
        }
    }

    private static Rejection? StorableString(JsonElement value, string field)
    {
        try
        {
            return FieldRules.Storable(value.GetString()!, field);
        }
        catch (InvalidOperationException)
        {
            return Unpaired(field);
        }
    }

    private static Rejection Unpaired(string field) =>
        new(RejectionReasons.InvalidValue, $"{field}: a JSON string is not valid UTF-16 (unpaired surrogate)");
}
