using System.Runtime.Versioning;
using System.Text.Json;
using ModelRegistry.Cli;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Registration.Rules;
using ModelRegistry.Testing;
using static ModelRegistry.Host.Tests.Deployments.ReproduceSteps;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// <c>mreg reproduce</c> and <c>mreg artifact fetch</c> against a real host: versions registered through the pipeline,
/// promoted with signed approvals from a ticketing client, deployments published as a serving platform would.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Reproduce_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>, IDisposable
{
    private readonly ReproduceSteps steps = new(registry);

    public void Dispose() => steps.Dispose();

    [Fact]
    public async Task Reproduce_writes_the_files_that_served_and_a_provenance_naming_run_commit_datasets_and_approvals()
    {
        await using var ticketing = await TicketingClient.StartAsync(registry.As(BrokerUsers.Ticketing), TestPolicies.Integration, TestPolicies.Secret,
            r => r.ModelName == "repro-approved"
                ? [TicketVote.Approve("alice", "model-risk-officer", "metrics fine"), TicketVote.Approve("bob", "security-review", "scan clean")]
                : []);
        var trained = registry.Pipeline.Trained("repro-approved", "run-repro-1") with { RiskTier = "high" };
        var registered = await steps.RegisterAsync(trained);
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("repro-approved", 1, "staging")));
        var production = Request("repro-approved", 1, "production");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, production));
        var deployedAt = Now();
        await steps.DeployAsync(Deployed("kserve/repro-approved-1", "repro.prod-eu", "production", deployedAt, digest: registered.ManifestDigest));

        var folder = steps.NewFolder();
        var at = deployedAt.AddMilliseconds(1).ToString("O");
        var (exit, json) = await RunAsync(w => ReproduceCommand.RunAsync(steps.Settings, "repro.prod-eu", at, folder, null, false, true, w, default));

        Assert.Equal(0, exit);
        // The bytes: exactly the version's files at their paths, each hashing to what the pipeline declared.
        var files = trained.Artifact!.Files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        Assert.Equal([.. files.Select(f => "repro-approved-v1/" + f.Path).Append("provenance.json").Order(StringComparer.Ordinal)], FilesUnder(folder));
        Assert.All(files, f => Assert.Equal(f.Sha256, Sha256Of(Path.Join(folder, "repro-approved-v1", f.Path))));

        using var written = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Join(folder, "provenance.json")));
        var p = written.RootElement;
        Assert.True(JsonElement.DeepEquals(json.GetProperty("provenance"), p), "--json prints what provenance.json holds");
        Assert.Equal(("repro.prod-eu", "production"), (p.GetProperty("endpoint").GetString(), p.GetProperty("environment").GetString()));
        var served = Assert.Single(p.GetProperty("served").EnumerateArray());
        var deployment = served.GetProperty("deployment");
        Assert.Equal(("kserve/repro-approved-1", 100.0, "reported"), (deployment.GetProperty("deploymentId").GetString(),
            deployment.GetProperty("trafficPercent").GetDouble(), deployment.GetProperty("source").GetString()));
        Assert.Equal(deployedAt, deployment.GetProperty("from").GetDateTimeOffset());
        Assert.Equal(("repro-approved", 1, registered.ModelVersionId, registered.ManifestDigest), (served.GetProperty("model").GetString(),
            served.GetProperty("version").GetInt32(), served.GetProperty("versionId").GetGuid(), served.GetProperty("manifestDigest").GetString()));
        Assert.Equal(files.Select(f => (f.Path, f.Role, f.Sha256, f.Size)), served.GetProperty("files").EnumerateArray().Select(f =>
            (f.GetProperty("path").GetString()!, f.GetProperty("role").GetString()!, f.GetProperty("sha256").GetString()!, f.GetProperty("size").GetInt64())));

        // Run, code, data.
        Assert.Equal(("run-repro-1", "https://mlflow.example.com/runs/run-repro-1"), (served.GetProperty("trainingRun").GetProperty("id").GetString(),
            served.GetProperty("trainingRun").GetProperty("url").GetString()));
        Assert.Equal((trained.Lineage!.CodeRepository, trained.Lineage.CodeCommit), (served.GetProperty("code").GetProperty("repository").GetString(),
            served.GetProperty("code").GetProperty("commit").GetString()));
        var dataset = Assert.Single(served.GetProperty("datasets").EnumerateArray());
        Assert.Equal(("imagenet-subset", "2026-10", "sha256:" + new string('a', 64)), (dataset.GetProperty("name").GetString(),
            dataset.GetProperty("version").GetString(), dataset.GetProperty("digest").GetString()));

        // Who approved, as what, under which tickets, for which promotion.
        var approvals = served.GetProperty("approvals").EnumerateArray()
            .Select(a => (a.GetProperty("approver").GetString(), a.GetProperty("role").GetString(), a.GetProperty("approved").GetBoolean(),
                a.GetProperty("promotionId").GetGuid(), a.GetProperty("targetStage").GetString(), a.GetProperty("changeTicket").GetString()))
            .Order().ToList();
        Assert.Equal([("alice", "model-risk-officer", true, production.PromotionId, "production", "CHG-1001"),
            ("bob", "security-review", true, production.PromotionId, "production", "CHG-1001")], approvals);
        Assert.All(served.GetProperty("approvals").EnumerateArray(), a => Assert.NotEmpty(a.GetProperty("ticketId").GetString()!));
        Assert.Equal(["registered->staging", "staging->production"], served.GetProperty("stageHistory").EnumerateArray()
            .Select(s => $"{s.GetProperty("fromStage").GetString()}->{s.GetProperty("toStage").GetString()}"));
        Assert.Equal(("production", "production"), (served.GetProperty("stageAtInstant").GetString(), served.GetProperty("stageAtDeployment").GetString()));
    }

    [Fact]
    public async Task A_fine_tune_reproduced_names_its_base_model_chain_with_each_digest()
    {
        var base1 = await steps.RegisterAsync(registry.Pipeline.Trained("repro-chain-base", "run-base") with { RiskTier = "low" });
        var ft = await steps.RegisterAsync(registry.Pipeline.Trained("repro-chain-ft", "run-ft", baseModel: new BaseModelRef { Name = "repro-chain-base", Version = 1 }));
        var ft2 = await steps.RegisterAsync(registry.Pipeline.Trained("repro-chain-ft2", "run-ft2", baseModel: new BaseModelRef { Name = "repro-chain-ft", Version = 1 }));
        var deployedAt = Now();
        await steps.DeployAsync(Deployed("chain-1", "repro.chain", "staging", deployedAt, model: "repro-chain-ft2", version: 1));

        var folder = steps.NewFolder();
        var (exit, json) = await RunAsync(w => ReproduceCommand.RunAsync(steps.Settings, "repro.chain", deployedAt.ToString("O"), folder, null, false, true, w, default));

        Assert.Equal(0, exit);
        var served = Assert.Single(json.GetProperty("provenance").GetProperty("served").EnumerateArray());
        Assert.Equal(ft2.ManifestDigest, served.GetProperty("manifestDigest").GetString());
        Assert.Equal([(1, "repro-chain-ft", ft.ManifestDigest), (2, "repro-chain-base", base1.ManifestDigest)],
            served.GetProperty("baseModels").EnumerateArray().Select(b => (b.GetProperty("depth").GetInt32(), b.GetProperty("model").GetString(),
                b.GetProperty("manifestDigest").GetString())));
        Assert.Equal("imagenet-subset", served.GetProperty("baseModels")[1].GetProperty("datasets")[0].GetProperty("name").GetString());
        Assert.Equal("registered", served.GetProperty("stageAtInstant").GetString());
        Assert.Empty(served.GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task An_unregistered_digest_at_the_instant_exits_1_saying_the_registry_has_no_bytes()
    {
        var shadow = "sha256:" + new string('5', 64);
        var deployedAt = Now();
        await steps.DeployAsync(Deployed("shadow-1", "repro.shadow", "production", deployedAt, digest: shadow));
        var folder = steps.NewFolder();

        var (exit, errors) = await steps.MregAsync("reproduce", "--endpoint", "repro.shadow", "--at", deployedAt.ToString("O"), "--to", folder);

        Assert.Equal(1, exit);
        Assert.Contains($"repro.shadow served {shadow}", errors);
        Assert.Contains("not a registered version: the registry has no bytes to reproduce", errors);
        Assert.False(Directory.Exists(folder));
    }

    [Fact]
    public async Task Before_a_deployment_and_at_its_end_nothing_served()
    {
        await steps.RegisterAsync(registry.Pipeline.Trained("repro-bounds", "run-1") with { RiskTier = "low" });
        var from = Now().AddMinutes(-10);
        await steps.DeployAsync(Deployed("bounds-1", "repro.bounds", "staging", from, model: "repro-bounds", version: 1));
        await steps.UndeployAsync(new ModelUndeployed
        {
            DeploymentId = "bounds-1", EndpointId = "repro.bounds", Environment = "staging", UndeployedAt = from.AddMinutes(5),
        });

        foreach (var (at, expected) in new[] { (from.AddTicks(-10), 1), (from, 0), (from.AddMinutes(5).AddTicks(-10), 0), (from.AddMinutes(5), 1) })
        {
            var (exit, _) = await RunAsync(w => ReproduceCommand.RunAsync(steps.Settings, "repro.bounds", at.ToString("O"), steps.NewFolder(), null, false,
                true, w, default));
            Assert.True(expected == exit, $"at {at:O}: exit {exit}, expected {expected}");
        }
    }

    [Fact]
    public async Task A_corrupted_stored_object_fails_fetch_and_reproduce_loudly_and_leaves_no_bad_bytes_at_its_path()
    {
        var trained = registry.Pipeline.Trained("repro-corrupt", "run-1") with { RiskTier = "low" };
        await steps.RegisterAsync(trained);
        var deployedAt = Now();
        await steps.DeployAsync(Deployed("corrupt-1", "repro.corrupt", "staging", deployedAt, model: "repro-corrupt", version: 1));
        var weights = trained.Artifact!.Files.Single(f => f.Path == "model.safetensors");
        var tampered = "tampered weights, same story"u8.ToArray();
        var objectPath = Path.Join(registry.ArtifactsRoot, "objects", weights.Sha256[..2], weights.Sha256);
        File.SetUnixFileMode(objectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(objectPath, tampered);
        var tamperedSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(tampered));

        var fetchFolder = steps.NewFolder();
        var (fetchExit, fetchErrors) = await steps.MregAsync("artifact", "fetch", "repro-corrupt", "1", "--to", fetchFolder);
        var reproduceFolder = steps.NewFolder();
        var (reproduceExit, reproduceErrors) = await steps.MregAsync("reproduce", "--endpoint", "repro.corrupt", "--at", deployedAt.ToString("O"),
            "--to", reproduceFolder);

        foreach (var (exit, errors) in new[] { (fetchExit, fetchErrors), (reproduceExit, reproduceErrors) })
        {
            Assert.Equal(1, exit);
            Assert.Contains($"FAILED: CORRUPT model.safetensors: the stored bytes hash to sha256 {tamperedSha} ({tampered.Length} bytes), "
                + $"the manifest says sha256 {weights.Sha256} ({weights.Size} bytes); nothing was written at its path", errors);
        }
        // config.json sorts first and verified; the weights never got their name, no partial file is left, nothing holds the bad bytes.
        Assert.Equal(["config.json"], FilesUnder(fetchFolder));
        Assert.Equal(["repro-corrupt-v1/config.json"], FilesUnder(reproduceFolder));
        Assert.Equal(trained.Artifact.Files.Single(f => f.Path == "config.json").Sha256, Sha256Of(Path.Join(fetchFolder, "config.json")));
        Assert.Equal(trained.Artifact.Files.Single(f => f.Path == "config.json").Sha256, Sha256Of(Path.Join(reproduceFolder, "repro-corrupt-v1/config.json")));
    }

    [Fact]
    public async Task Fetch_by_digest_writes_every_file_and_a_manifest_that_reproduces_the_manifest_digest()
    {
        var trained = registry.Pipeline.Trained("repro-digest", "run-1") with { RiskTier = "low" };
        trained.Artifact!.Files.Add(registry.Pipeline.WriteFile("repro-digest/run-1", "tokenizer/vocab.json", "tokenizer", "{\"a\": 1}"u8.ToArray()));
        var registered = await steps.RegisterAsync(trained);
        var folder = steps.NewFolder();

        var (exit, json) = await RunAsync(w => FetchCommand.RunAsync(steps.Settings, new FetchCommand.Target(null, null, registered.ManifestDigest), folder,
            false, null, true, w, default));

        Assert.Equal(0, exit);
        var files = trained.Artifact.Files.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        Assert.Equal([.. files.Select(f => f.Path).Append("mreg-manifest.json").Order(StringComparer.Ordinal)], FilesUnder(folder));
        // The digest recomputed from the bytes on disk, hashed here, is the version's.
        var onDisk = files.Select(f => new ArtifactFile { Path = f.Path, Role = f.Role, Sha256 = Sha256Of(Path.Join(folder, f.Path)),
            Size = new FileInfo(Path.Join(folder, f.Path)).Length });
        Assert.Equal(registered.ManifestDigest, ManifestDigest.Compute(onDisk));
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Join(folder, "mreg-manifest.json")));
        var m = manifest.RootElement;
        Assert.Equal(("repro-digest", 1, registered.ManifestDigest), (m.GetProperty("model").GetString(), m.GetProperty("version").GetInt32(),
            m.GetProperty("manifestDigest").GetString()));
        Assert.Equal(files.Select(f => (f.Path, f.Role, f.Sha256, f.Size)), m.GetProperty("files").EnumerateArray().Select(f =>
            (f.GetProperty("path").GetString()!, f.GetProperty("role").GetString()!, f.GetProperty("sha256").GetString()!, f.GetProperty("size").GetInt64())));
        Assert.True(JsonElement.DeepEquals(json.GetProperty("manifest"), m), "--json prints what mreg-manifest.json holds");

        // A folder with something in it is refused unless --force; an unknown digest has no bytes.
        var (again, _) = await RunAsync(w => FetchCommand.RunAsync(steps.Settings, new FetchCommand.Target("repro-digest", 1, null), folder, false, null, true, w, default));
        var (forced, _) = await RunAsync(w => FetchCommand.RunAsync(steps.Settings, new FetchCommand.Target("repro-digest", 1, null), folder, true, null, true, w, default));
        var (unknown, _) = await RunAsync(w => FetchCommand.RunAsync(steps.Settings, new FetchCommand.Target(null, null, "sha256:" + new string('0', 64)),
            steps.NewFolder(), false, null, true, w, default));
        Assert.Equal((1, 0, 1), (again, forced, unknown));
    }
}
