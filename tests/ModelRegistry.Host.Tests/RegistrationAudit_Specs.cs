using System.Collections.Concurrent;
using System.Text.Json;
using Dapper;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests;

/// <summary>Registrations, evaluations and their refusals land in the audit log with the change, and go to SIEM as AuditRecorded.</summary>
public sealed class RegistrationAudit_Specs(RunningRegistry registry) : IClassFixture<RunningRegistry>, IAsyncLifetime
{
    private readonly ConcurrentQueue<AuditRecorded> siem = new();
    private IBusControl? bus;

    public async Task InitializeAsync()
    {
        // A SIEM's own queue on mreg.audit-recorded.
        bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(registry.RabbitMq);
            cfg.ReceiveEndpoint("test-siem-" + Guid.NewGuid().ToString("N")[..8], e =>
            {
                e.AutoDelete = true;
                e.Durable = false;
                e.Handler<AuditRecorded>(c =>
                {
                    siem.Enqueue(c.Message);
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (bus is not null) await bus.StopAsync();
    }

    [Fact]
    public async Task A_registration_is_a_version_registered_record_announced_to_SIEM_and_the_chain_verifies()
    {
        var trained = registry.Pipeline.Trained("audited-model", "audit-run-1");
        await registry.Observer.PublishAsync(trained);
        var registered = await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "audited-model");

        var announced = await WaitForAsync(a => a.Action == "version.registered" && a.Subject == "audited-model/1");
        // The actor is the principal the broker vouched for; the worker that wrote it is named in the details.
        Assert.Equal((BrokerUsers.Pipeline, "model_version", "audited-model"), (announced.Actor, announced.SubjectType, announced.ModelName));
        using (var details = JsonDocument.Parse(announced.DetailsJson))
        {
            var d = details.RootElement;
            Assert.Equal(registered.ManifestDigest, d.GetProperty("manifestDigest").GetString());
            Assert.Equal("audit-run-1", d.GetProperty("trainingRunId").GetString());
            Assert.Equal(trained.Lineage!.CodeCommit, d.GetProperty("codeCommit").GetString());
            Assert.Equal(registered.ModelVersionId, d.GetProperty("modelVersionId").GetGuid());
            Assert.Equal("svc:registration", d.GetProperty("worker").GetString());
        }

        // The event is the stored record, byte for byte what was hashed.
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var stored = await c.QuerySingleAsync<(long Sequence, string Hash, string PreviousHash)>(
            "SELECT sequence, hash, previous_hash FROM registry.audit_log WHERE action = 'version.registered' AND subject = 'audited-model/1'");
        Assert.Equal((stored.Sequence, stored.Hash, stored.PreviousHash), (announced.Sequence, announced.Hash, announced.PreviousHash));
        Assert.Equal(announced.Hash, AuditChain.ComputeHash(announced.Sequence, announced.RecordedAt, announced.Actor, announced.Action,
            announced.SubjectType, announced.Subject, announced.ModelName, announced.DetailsJson, announced.PreviousHash));

        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task A_refused_registration_leaves_a_registration_rejected_record_and_nothing_else()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("audited-orphan", "orphan-run",
            baseModel: new BaseModelRef { Name = "no-such-base", Version = 4 }));
        var rejected = await registry.Observer.WaitForAsync<ModelRegistrationRejected>(e => e.ModelName == "audited-orphan");

        var announced = await WaitForAsync(a => a.Action == "registration.rejected" && a.ModelName == "audited-orphan");
        Assert.Equal(BrokerUsers.Pipeline, announced.Actor);
        using var details = JsonDocument.Parse(announced.DetailsJson);
        Assert.Equal(rejected.ReasonCode, details.RootElement.GetProperty("reasonCode").GetString());
        Assert.Equal("orphan-run", details.RootElement.GetProperty("trainingRunId").GetString());

        await using var c = await registry.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM registry.audit_log WHERE model_name = 'audited-orphan' AND action = 'registration.rejected'"));
        Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM registry.audit_log WHERE model_name = 'audited-orphan' AND action <> 'registration.rejected'"));

        // Invalid input (a name no model may have) is recorded too, with no model and the name quoted.
        var invalid = registry.Pipeline.Trained("audited-ok", "invalid-run") with { ModelName = "Not A Name" };
        await registry.Observer.PublishAsync(invalid);
        var invalidRecord = await WaitForAsync(a => a.Action == "registration.rejected" && a.Subject == "'Not A Name'");
        Assert.Null(invalidRecord.ModelName);
        await AssertChainVerifiesAsync();
    }

    [Fact]
    public async Task Evaluations_recorded_and_refused_are_audited()
    {
        await registry.Observer.PublishAsync(registry.Pipeline.Trained("audited-eval", "eval-run"));
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "audited-eval");
        var evaluation = new EvaluationCompleted
        {
            EvaluationId = Guid.NewGuid(),
            ModelName = "audited-eval",
            Version = 1,
            Suite = "accuracy-v2",
            Metrics = new() { ["accuracy"] = 0.93 },
            EvaluatedAt = DateTimeOffset.UtcNow,
        };
        var unknown = evaluation with { EvaluationId = Guid.NewGuid(), Version = 7 };
        await registry.Observer.PublishAsync(evaluation);
        await registry.Observer.PublishAsync(unknown);

        var recorded = await WaitForAsync(a => a.Action == "evaluation.recorded" && a.Subject == evaluation.EvaluationId.ToString());
        Assert.Equal(("mreg-evaluator", "evaluation", "audited-eval"), (recorded.Actor, recorded.SubjectType, recorded.ModelName));
        using (var details = JsonDocument.Parse(recorded.DetailsJson))
        {
            Assert.Equal("audited-eval/1", details.RootElement.GetProperty("modelVersion").GetString());
            Assert.Equal(0.93, details.RootElement.GetProperty("metrics").GetProperty("accuracy").GetDouble());
        }
        var refused = await WaitForAsync(a => a.Action == "evaluation.rejected" && a.Subject == unknown.EvaluationId.ToString());
        using (var details = JsonDocument.Parse(refused.DetailsJson))
            Assert.Equal(RejectionReasons.UnknownModelVersion, details.RootElement.GetProperty("reasonCode").GetString());
        await AssertChainVerifiesAsync();
    }

    private async Task<AuditRecorded> WaitForAsync(Func<AuditRecorded, bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (siem.FirstOrDefault(match) is { } found) return found;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no matching AuditRecorded; saw: {string.Join("; ", siem.Select(a => $"{a.Sequence} {a.Action} {a.Subject}"))}");
            await Task.Delay(50);
        }
    }

    /// <summary>The real <c>mreg audit verify</c>: exit 0, and the chain it verified holds every record announced so far.</summary>
    private async Task AssertChainVerifiesAsync()
    {
        var announced = siem.Max(a => a.Sequence);
        await using var verify = HostProcess.StartCli(registry.EnvironmentVariables, "audit", "verify", "--json");
        Assert.Equal(0, await verify.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        using var report = JsonDocument.Parse(verify.Output);
        Assert.True(report.RootElement.GetProperty("ok").GetBoolean());
        Assert.True(report.RootElement.GetProperty("lastSequence").GetInt64() >= announced);
    }
}
