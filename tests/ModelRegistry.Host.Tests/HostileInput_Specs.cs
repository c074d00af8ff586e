using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using ModelRegistry.Promotion.Rules;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// Every class of input that has bitten MLflow is refused with a reason, through the real broker
/// and host. The forbidden target outside the allowed root is a FIFO: opening it would block, so
/// a registry that tried to read it would never answer and the test would fail on its deadline.
/// </summary>
public class HostileInput_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>, IAsyncLifetime
{
    private string Outside => Path.Combine(Path.GetDirectoryName(registry.SourceRoot)!, "outside");
    private string Secret => Path.Combine(Outside, "secret.bin");

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Outside);
        if (!File.Exists(Secret)) Mkfifo(Secret);
        var link = Path.Combine(registry.SourceRoot, "escape-link");
        if (!File.Exists(link) && !Directory.Exists(link)) File.CreateSymbolicLink(link, Secret);
        var dirLink = Path.Combine(registry.SourceRoot, "escape-dir");
        if (!Directory.Exists(dirLink)) Directory.CreateSymbolicLink(dirLink, Outside);
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public static TheoryData<string, string, string> Sources => new()
    {
        // case, source URI (ROOT and OUTSIDE substituted), expected reason
        { "dot-dot segment", "file://ROOT/../outside/secret.bin", RejectionReasons.HostilePath },
        { "backslash traversal", "file://ROOT/..\\outside\\secret.bin", RejectionReasons.HostilePath },
        { "percent-encoded traversal", "file://ROOT/%2e%2e/outside/secret.bin", RejectionReasons.HostilePath },
        { "percent-encoded slash", "file://ROOT/..%2foutside%2fsecret.bin", RejectionReasons.HostilePath },
        { "double-percent-encoded traversal", "file://ROOT/%252e%252e/outside/secret.bin", RejectionReasons.HostilePath },
        { "absolute path outside the root", "file://OUTSIDE/secret.bin", RejectionReasons.HostilePath },
        { "symlink escaping the root", "file://ROOT/escape-link", RejectionReasons.HostilePath },
        { "symlinked directory escaping the root", "file://ROOT/escape-dir/secret.bin", RejectionReasons.HostilePath },
        { "query", "file://ROOT/w.bin?x=1", RejectionReasons.UnsupportedSource },
        { "fragment", "file://ROOT/w.bin#frag", RejectionReasons.UnsupportedSource },
        { "http scheme", "http://127.0.0.1:1/w.bin", RejectionReasons.UnsupportedSource },
        { "s3 scheme", "s3://bucket/w.bin", RejectionReasons.UnsupportedSource },
        { "file URI with a remote host", "file://evil.example.com/etc/passwd", RejectionReasons.UnsupportedSource },
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task A_hostile_source_is_refused_and_the_file_outside_is_never_opened(string kind, string uri, string reason)
    {
        var model = "hostile-" + Math.Abs(kind.GetHashCode(StringComparison.Ordinal)).ToString();
        var trained = registry.Pipeline.Trained(model, "run-" + model);
        var files = trained.Artifact!.Files.ToList();
        files[0] = files[0] with { SourceUri = uri.Replace("ROOT", registry.SourceRoot).Replace("OUTSIDE", Outside) };
        await registry.Observer.PublishAsync(trained with { Artifact = new ArtifactManifest { Files = files } });

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == model, TimeSpan.FromSeconds(30));
        Assert.Equal(reason, rejected.ReasonCode);
        Assert.Contains("artifact.files[0]", rejected.Message);
        await AssertNothingRegisteredAsync(model);
        Assert.False(HostHasOpen(Secret), "the host has the file outside the root open");
    }

    public static TheoryData<string, string, string> ManifestPaths => new()
    {
        { "dot-dot in the manifest path", "../../etc/passwd", RejectionReasons.HostilePath },
        { "absolute manifest path", "/etc/passwd", RejectionReasons.HostilePath },
        { "backslash manifest path", "..\\..\\boot.ini", RejectionReasons.HostilePath },
    };

    [Theory]
    [MemberData(nameof(ManifestPaths))]
    public async Task A_hostile_path_inside_the_artifact_is_refused(string kind, string path, string reason)
    {
        var model = "manifest-" + Math.Abs(kind.GetHashCode(StringComparison.Ordinal)).ToString();
        var trained = registry.Pipeline.Trained(model, "run-" + model);
        var files = trained.Artifact!.Files.ToList();
        files[1] = files[1] with { Path = path };
        await registry.Observer.PublishAsync(trained with { Artifact = new ArtifactManifest { Files = files } });

        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == model, TimeSpan.FromSeconds(30));
        Assert.Equal(reason, rejected.ReasonCode);
        await AssertNothingRegisteredAsync(model);
    }

    [Fact]
    public async Task Wrong_digest_wrong_size_and_a_missing_source_are_refused_with_nothing_stored()
    {
        var cases = new (string Model, Func<ArtifactFile, ArtifactFile> Break, string Reason)[]
        {
            ("bad-digest", f => f with { Sha256 = new string('0', 64) }, RejectionReasons.DigestMismatch),
            ("bad-size", f => f with { Size = f.Size + 1 }, RejectionReasons.SizeMismatch),
            ("missing-source", f => f with { SourceUri = f.SourceUri + ".gone" }, RejectionReasons.SourceUnreadable),
        };
        var objectsBefore = CountObjects();
        foreach (var (model, breakIt, _) in cases)
        {
            var trained = registry.Pipeline.Trained(model, "run-" + model, weights: System.Text.Encoding.UTF8.GetBytes("unique " + model));
            var files = trained.Artifact!.Files.ToList();
            files[0] = breakIt(files[0]);
            // Only the broken file: nothing valid reaches the store either.
            await registry.Observer.PublishAsync(trained with { Artifact = new ArtifactManifest { Files = [files[0]] } });
        }
        foreach (var (model, _, reason) in cases)
        {
            var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == model);
            Assert.Equal(reason, rejected.ReasonCode);
            await AssertNothingRegisteredAsync(model);
        }
        Assert.Equal(objectsBefore, CountObjects());
    }

    [Fact]
    public async Task Invalid_names_oversized_fields_and_missing_lineage_are_refused_and_the_worker_keeps_going()
    {
        var good = registry.Pipeline.Trained("after-the-bad-ones", "run-good");
        var bad = new (ModelTrained Message, string Reason)[]
        {
            (good with { ModelName = "Bad Name!" }, RejectionReasons.InvalidName),
            (good with { ModelName = new string('a', 101) }, RejectionReasons.InvalidName),
            (good with { ModelName = "huge-description", Description = new string('x', 4001) }, RejectionReasons.LimitExceeded),
            (good with { ModelName = "too-many-tags", Tags = Enumerable.Range(0, 51).ToDictionary(i => $"k{i}", i => "v") }, RejectionReasons.LimitExceeded),
            (good with { ModelName = "no-lineage", Lineage = null }, RejectionReasons.MissingField),
            (good with { ModelName = "no-artifact", Artifact = null }, RejectionReasons.MissingField),
            (good with { ModelName = "bad-tier", RiskTier = "extreme" }, RejectionReasons.InvalidValue),
            // Refused, and kept: the stored copy of the refused message cannot hold what PostgreSQL's jsonb refuses.
            (good with { ModelName = "nul-description", Description = "before\0after" }, RejectionReasons.InvalidValue),
            (good with { ModelName = "escaped-nul-text", Description = "a\\u0000 literally, then a real one: \0" }, RejectionReasons.InvalidValue),
        };
        foreach (var (message, _) in bad) await registry.Observer.PublishAsync(message);
        await registry.Observer.PublishAsync(good);

        foreach (var (message, reason) in bad)
        {
            var name = message.ModelName.Length > 200 ? message.ModelName[..200] : message.ModelName;
            var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == name);
            Assert.True(reason == rejected.ReasonCode, $"{name}: expected {reason}, got {rejected.ReasonCode}: {rejected.Message}");
        }
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "after-the-bad-ones");
        // A NUL in the name itself is refused with the name echoed storably.
        var nulName = good with { ModelName = "nul\0name" };
        await registry.Observer.PublishAsync(nulName);
        Assert.Equal(RejectionReasons.InvalidName, (await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "nul\uFFFDname")).ReasonCode);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(bad.Length, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.rejections WHERE kind = 'registration' AND subject = ANY(@names)",
            new { names = bad.Select(b => b.Message.ModelName.Length > 200 ? b.Message.ModelName[..200] : b.Message.ModelName).ToArray() }));
    }

    private async Task AssertNothingRegisteredAsync(string model)
    {
        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.model_versions v JOIN registry.models m USING (model_id) WHERE m.name = @model", new { model }));
    }

    private int CountObjects()
    {
        var objects = Path.Combine(registry.ArtifactsRoot, "objects");
        return Directory.Exists(objects) ? Directory.EnumerateFiles(objects, "*", SearchOption.AllDirectories).Count() : 0;
    }

    private bool HostHasOpen(string path) =>
        Directory.EnumerateFileSystemEntries($"/proc/{registry.Host.Id}/fd").Any(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget == path;
            }
            catch (IOException)
            {
                return false;
            }
        });

    private static void Mkfifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start("mkfifo", path);
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0) throw new InvalidOperationException($"mkfifo {path} failed");
    }
}
