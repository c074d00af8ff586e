using System.Diagnostics;
using MassTransit;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Deployments;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Host.Tests.Promotion;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Deployments;

/// <summary>
/// The admission check over the real broker and a real host, from .NET (MassTransit's request client) and from Python
/// (the documented client in docs/deployments.md, run as it stands with reply_to and correlation_id).
/// </summary>
public class Admission_Specs(Admission_Specs.Versions versions) : IClassFixture<Admission_Specs.Versions>
{
    private const string UnknownDigest = "sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";
    private const string Begin = "<!-- deployments: python-admission begin -->";
    private const string End = "<!-- deployments: python-admission end -->";
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    /// <summary>A registry with "adm-model" v1 retired and v2 in production (promoted through the promotion worker).</summary>
    public sealed class Versions : IAsyncLifetime
    {
        public RunningRegistry Registry { get; } = new();
        public ServingPlatform Platform { get; private set; } = null!;
        public ModelVersionRegistered Retired { get; private set; } = null!;
        public ModelVersionRegistered Production { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            await Registry.InitializeAsync();
            Platform = await ServingPlatform.StartAsync(Registry);
            Retired = await PromotionSteps.RegisterAsync(Registry, "adm-model", "run-1", "low");
            Production = await PromotionSteps.RegisterAsync(Registry, "adm-model", "run-2", "low");
            foreach (var v in new[] { Retired, Production })
                Assert.IsType<ModelVersionPromoted>(await PromotionSteps.PromoteAsync(Registry, PromotionSteps.Request("adm-model", v.Version, "production")));
            Assert.Equal("retired", await PromotionSteps.StageAsync(Registry, "adm-model", Retired.Version));
        }

        public async Task DisposeAsync()
        {
            if (Platform is not null) await Platform.DisposeAsync();
            await Registry.DisposeAsync();
        }
    }

    private static CheckDeploymentAdmission Request(string? model = null, int? version = null, string? digest = null, double traffic = 100) => new()
    {
        EndpointId = "fraud-scoring.prod-eu",
        Environment = "production",
        ModelName = model,
        Version = version,
        ManifestDigest = digest,
        TrafficPercent = traffic,
    };

    private async Task<Response<DeploymentAdmitted, DeploymentDenied>> AskAsync(CheckDeploymentAdmission request) =>
        await versions.Platform.Admission.GetResponse<DeploymentAdmitted, DeploymentDenied>(request);

    [Fact]
    public async Task A_production_version_on_a_production_endpoint_is_admitted()
    {
        var response = await AskAsync(Request("adm-model", versions.Production.Version));
        Assert.True(response.Is(out Response<DeploymentAdmitted>? admitted), "denied");
        var a = admitted!.Message;
        Assert.Equal(("adm-model", versions.Production.Version, versions.Production.ModelVersionId, versions.Production.ManifestDigest, "production"),
            (a.ModelName, a.Version, a.ModelVersionId, a.ManifestDigest, a.Stage));
    }

    [Fact]
    public async Task An_unregistered_digest_is_denied_as_unregistered()
    {
        var reason = await DeniedAsync(Request(digest: UnknownDigest));
        Assert.Equal((DeploymentReasons.Unregistered,
                $"{UnknownDigest} is not a registered version, and production serves registered versions only: register it first"),
            (reason.Code, reason.Message));
    }

    [Fact]
    public async Task A_retired_version_is_denied_as_retired()
    {
        var response = await AskAsync(Request(digest: versions.Retired.ManifestDigest));
        Assert.True(response.Is(out Response<DeploymentDenied>? denied), "admitted");
        Assert.Equal([(DeploymentReasons.Retired, "adm-model v1 is retired: a retired version serves nowhere")],
            denied!.Message.Reasons.Select(r => (r.Code, r.Message)));
        Assert.Equal(("adm-model", (int?)1), (denied.Message.ModelName, denied.Message.Version));
    }

    [Fact]
    public async Task An_invalid_request_is_denied_with_the_field_that_is_wrong()
    {
        var reason = await DeniedAsync(Request("adm-model", versions.Production.Version, traffic: 150));
        Assert.Equal((RejectionReasons.InvalidValue, "trafficPercent: 150 must be more than 0 and at most 100"), (reason.Code, reason.Message));
    }

    private async Task<DenialReason> DeniedAsync(CheckDeploymentAdmission request)
    {
        var response = await AskAsync(request);
        Assert.True(response.Is(out Response<DeploymentDenied>? denied), "admitted");
        return Assert.Single(denied!.Message.Reasons);
    }

    [Fact]
    public async Task The_documented_python_client_is_admitted_and_denied_through_reply_to_and_correlation_id()
    {
        var script = Path.Combine(versions.Registry.SourceRoot, "..", "check_admission.py");
        await File.WriteAllTextAsync(script, Snippet());

        var admitted = await RunPythonAsync(script, "fraud-scoring.prod-eu", "production", "--model", "adm-model", "--version",
            versions.Production.Version.ToString(), "--traffic", "10");
        Assert.Equal((0, $"admitted adm-model v{versions.Production.Version} (production) {versions.Production.ManifestDigest}"), admitted);

        var denied = await RunPythonAsync(script, "fraud-scoring.prod-eu", "production", "--digest", UnknownDigest);
        Assert.Equal((1, $"denied unregistered: {UnknownDigest} is not a registered version, and production serves registered versions only: register it first"),
            denied);

        var retired = await RunPythonAsync(script, "fraud-scoring.dev-1", "dev", "--digest", versions.Retired.ManifestDigest);
        Assert.Equal((1, "denied retired: adm-model v1 is retired: a retired version serves nowhere"), retired);
    }

    private async Task<(int Exit, string Output)> RunPythonAsync(string script, params string[] args)
    {
        var r = versions.Registry.As(BrokerUsers.Serving);
        // Debian's python3 with python3-pika (test.sh installs it), not whatever python3 comes first on PATH.
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add(script);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        info.Environment["MREG_AMQP_URL"] = $"amqp://{r.Username}:{r.Password}@{r.Host}:{r.Port}/{r.VirtualHost}";
        using var python = Process.Start(info)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        var stderr = python.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1))) await python.WaitForExitAsync(limit.Token);
        Assert.True(python.ExitCode is 0 or 1, $"exit {python.ExitCode}: {await stderr}");
        return (python.ExitCode, (await stdout).Trim());
    }

    /// <summary>The code block between the markers of docs/deployments.md, exactly as a reader copies it.</summary>
    private static string Snippet()
    {
        var doc = File.ReadAllText(Path.Combine(Repo, "docs", "deployments.md"));
        var start = doc.IndexOf(Begin, StringComparison.Ordinal);
        var end = doc.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/deployments.md has no {Begin} ... {End} block");
        var block = doc[(start + Begin.Length)..end].Trim();
        Assert.StartsWith("```python\n", block);
        Assert.EndsWith("\n```", block);
        return block["```python\n".Length..^"```".Length];
    }
}
