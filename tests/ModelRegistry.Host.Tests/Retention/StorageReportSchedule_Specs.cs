using System.Text.Json;
using Dapper;
using ModelRegistry.Contracts;
using ModelRegistry.Contracts.Retention;
using ModelRegistry.Retention;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Retention;

/// <summary>A host running the retention worker publishes StorageReportGenerated on its Quartz schedule, audited storage.reported.</summary>
public sealed class StorageReportSchedule_Specs(StorageReportSchedule_Specs.ReportingRegistry registry)
    : IClassFixture<StorageReportSchedule_Specs.ReportingRegistry>
{
    public sealed class ReportingRegistry : RunningRegistry
    {
        public override IReadOnlyDictionary<string, string> HostEnvironment => new Dictionary<string, string>(EnvironmentVariables)
        {
            ["Retention__ReportSchedule"] = "* * * * * ?",
            ["Retention__StoredPricePerGbMonth"] = "1000",
        };
    }

    [Fact]
    public async Task The_report_is_published_on_schedule_with_the_stored_bytes_and_audited_with_its_totals()
    {
        var trained = registry.Pipeline.Trained("scheduled-report", "run-1", weights: new byte[5_000]);
        await registry.Observer.PublishAsync(trained);
        await registry.Observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "scheduled-report");
        var expected = trained.Artifact!.Files.Sum(f => f.Size);

        // A firing after the registration reports its bytes.
        var report = await registry.Observer.WaitForAsync<StorageReportGenerated>(r => r.StoredBytes == expected, TimeSpan.FromSeconds(60));

        Assert.Equal(("scheduled-report", expected), (report.TopModels.Single().Key, report.TopModels.Single().StoredBytes));
        Assert.Equal(Math.Round(expected * 1000m / 1_000_000_000m, 4), report.MonthlyCost);
        Assert.Equal(12, report.Growth.Count);
        await using var c = await registry.DataSource.OpenConnectionAsync();
        var audited = await Eventually.UntilAsync(() => c.QuerySingleOrDefaultAsync<(string Actor, string Details)?>(
                "SELECT actor, details::text FROM registry.audit_log WHERE action = 'storage.reported' AND subject = @id", new { id = report.ReportId.ToString("D") }),
            r => r is not null, TimeSpan.FromSeconds(10), "the report's audit record");
        Assert.Equal("svc:retention", audited!.Value.Actor);
        var details = JsonDocument.Parse(audited.Value.Details).RootElement;
        Assert.Equal((expected, 0L), (details.GetProperty("storedBytes").GetInt64(), details.GetProperty("archivedBytes").GetInt64()));
        // One report per firing: each report id is audited once.
        Assert.Equal(0, await c.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM (SELECT subject FROM registry.audit_log WHERE action = 'storage.reported' GROUP BY subject HAVING count(*) > 1) d"));
    }
}
