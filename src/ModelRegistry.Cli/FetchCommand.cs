using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Rules;
using ModelRegistry.Registration;

namespace ModelRegistry.Cli;

/// <summary>What <c>mreg artifact fetch --json</c> prints: where the files and the manifest were written, and the manifest.</summary>
public sealed record FetchReport(string Directory, string ManifestFile, FetchedManifest Manifest);

/// <summary>
/// <c>mreg artifact fetch NAME VERSION --to DIR</c> and <c>mreg artifact fetch --digest sha256:... --to DIR</c>: writes a
/// version's files with their manifest paths under DIR, each verified while written, and <c>DIR/mreg-manifest.json</c>.
/// </summary>
public static class FetchCommand
{
    /// <summary>The version to fetch: by name and version, or by manifest digest.</summary>
    public sealed record Target(string? Name, int? Version, string? Digest);

    public static async Task<int> RunAsync(CliSettings settings, Target target, string to, bool force, string? manifestFile, bool json,
        TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(target);
        if ((target.Digest is not null) == (target.Name is not null || target.Version is not null)
            || (target.Digest is null && (target.Name is null || target.Version is null)))
            return await BadArgumentsAsync("give NAME VERSION or --digest sha256:..., not both and not neither");
        if (target.Digest is { } d && !IsManifestDigest(d))
            return await BadArgumentsAsync($"--digest {FieldRules.Shown(d)}: expected sha256: and 64 lowercase hex digits");
        var directory = Path.GetFullPath(to);
        var manifestPath = Path.GetFullPath(manifestFile ?? Path.Join(directory, ArtifactFetcher.ManifestFileName));

        return await CliDatabase.ReadAsync(settings, async connection =>
        {
            var found = target.Digest is { } digest
                ? await VersionQueries.FindByDigestAsync(connection, digest, ct)
                : await VersionQueries.FindAsync(connection, target.Name!, target.Version!.Value, ct) is { } row
                    ? new DigestVersion(target.Name!, target.Version!.Value, row.VersionId, row.ManifestDigest)
                    : null;
            if (found is null)
                return await CliDatabase.NotFoundAsync(target.Digest is { } unknown
                    ? $"no registered version has manifest digest {unknown}: the registry has no bytes for it"
                    : $"{target.Name} has no version {target.Version} (see `mreg models show {target.Name}`)");

            var files = (await VersionQueries.ContentsAsync(connection, found.VersionId, ct)).Files;
            if (files.FirstOrDefault(f => Path.GetFullPath(Path.Join(directory, f.Path)) == manifestPath) is { } clash)
                return await FailedAsync($"{found.ModelName} version {found.Version} has a file at {clash.Path}, where the manifest would go: "
                    + "give --manifest FILE to write the manifest elsewhere");
            if (ArtifactFetcher.PrepareDirectory(directory, force) is { } notReady) return await FailedAsync(notReady);

            if (!json) output.WriteLine($"fetching {found.ModelName} version {found.Version} ({found.ManifestDigest}) to {directory}");
            var (manifest, problem) = await ArtifactFetcher.FetchAsync(new ContentAddressedStore(settings.Artifacts), found.ModelName, found.Version,
                found.VersionId, found.ManifestDigest, files, directory, force, json ? null : output, ct);
            if (problem is not null) return await FailedAsync(problem);

            Directory.CreateDirectory(Path.GetDirectoryName(manifestPath)!);
            await ArtifactFetcher.WriteJsonAsync(manifestPath, manifest!, ct);
            if (json)
            {
                CliJson.Write(output, new FetchReport(directory, manifestPath, manifest!));
            }
            else
            {
                output.WriteLine($"manifest  {manifestPath}");
                output.WriteLine($"fetch: ok, {manifest!.Files.Count} files verified, manifest digest {manifest.ManifestDigest} reproduced");
            }
            return 0;
        }, ct);
    }

    /// <summary>"sha256:" and 64 lowercase hex digits, as registry.model_versions keeps manifest digests.</summary>
    public static bool IsManifestDigest(string text) =>
        text.StartsWith("sha256:", StringComparison.Ordinal) && FieldRules.IsSha256Hex(text["sha256:".Length..]);

    internal static async Task<int> FailedAsync(string problem)
    {
        await Console.Error.WriteLineAsync($"mreg: FAILED: {problem}");
        return 1;
    }

    private static async Task<int> BadArgumentsAsync(string problem)
    {
        await Console.Error.WriteLineAsync($"mreg: {problem}");
        return MregCommand.ExitBadArguments;
    }
}
