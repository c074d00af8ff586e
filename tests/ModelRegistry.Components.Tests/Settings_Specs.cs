using ModelRegistry.Host;
using ModelRegistry.Platform;

namespace ModelRegistry.Components.Tests;

public class Settings_Specs
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("all")]
    public void No_selection_or_all_runs_every_worker(string? selection)
    {
        var (selected, error) = ModuleSelection.Select(ModuleCatalog.All, selection);
        Assert.Null(error);
        Assert.Equal(ModuleCatalog.All.Select(w => w.Name), selected.Select(w => w.Name));
    }

    [Fact]
    public void A_named_selection_runs_those_workers()
    {
        var (selected, error) = ModuleSelection.Select(ModuleCatalog.All, " probe ,registration");
        Assert.Null(error);
        Assert.Equal(["registration", "probe"], selected.Select(w => w.Name));
    }

    [Fact]
    public void An_unknown_worker_is_an_error_that_lists_the_known_ones()
    {
        var (selected, error) = ModuleSelection.Select(ModuleCatalog.All, "probe,registraton");
        Assert.Empty(selected);
        Assert.Equal("Workers: unknown worker 'registraton' (known: registration, evaluation, promotion, deployments, retention, probe, audit, or all)", error);
    }

    [Fact]
    public void Defaults_are_valid_and_match_the_service_script()
    {
        var rabbit = new RabbitMqOptions();
        Assert.Empty(rabbit.Validate());
        Assert.Equal("amqp://127.0.0.1:5673/mreg", rabbit.Address);
        var database = new DatabaseOptions();
        Assert.Empty(database.Validate());
        Assert.Equal("mreg_app", database.AppRole);
    }

    [Theory]
    [InlineData(300, null)]
    [InlineData(0, null)]
    [InlineData(86_400, null)]
    [InlineData(-1, "Evaluation:MaxClockSkewSeconds must be 0-86400 seconds (was -1)")]
    [InlineData(86_401, "Evaluation:MaxClockSkewSeconds must be 0-86400 seconds (was 86401)")]
    public void The_evaluation_clock_skew_is_0_to_a_day_and_300_seconds_by_default(int seconds, string? error)
    {
        Assert.Equal(300, new ModelRegistry.Evaluation.EvaluationOptions().MaxClockSkewSeconds);
        Assert.Equal(error, new ModelRegistry.Evaluation.EvaluationOptions { MaxClockSkewSeconds = seconds }.Validate().SingleOrDefault());
    }

    [Fact]
    public void Each_bad_broker_setting_is_named()
    {
        var rabbit = new RabbitMqOptions { Host = " ", Port = 70000, VirtualHost = "", PrefetchCount = 0 };
        Assert.Equal(
            ["RabbitMq:Host is empty", "RabbitMq:Port 70000 is not a TCP port (1-65535)", "RabbitMq:VirtualHost is empty",
             "RabbitMq:PrefetchCount 0 is outside 1-10000"],
            rabbit.Validate());
    }

    [Fact]
    public void A_connection_string_without_a_database_is_named()
    {
        var database = new DatabaseOptions { ConnectionString = "Host=localhost;Username=x", MigrationConnectionString = "" };
        Assert.Equal(["Database:ConnectionString has no Database", "Database:MigrationConnectionString has no Database"], database.Validate());
    }

    [Fact]
    public void An_unparsable_connection_string_is_named()
    {
        var database = new DatabaseOptions { ConnectionString = "Hots=localhost;Port=5433" };
        var error = Assert.Single(database.Validate());
        Assert.StartsWith("Database:ConnectionString is not a valid connection string", error);
    }
}
