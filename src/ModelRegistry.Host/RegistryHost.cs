using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Outbox;

namespace ModelRegistry.Host;

/// <summary>
/// Starts the worker host: validates settings, checks broker and database (up to date, and a runtime role that cannot
/// rewrite the audit log), then runs until SIGTERM or Ctrl-C. Every startup failure is one line on stderr naming the
/// setting. A host never migrates: <c>--migrate-only</c> is the separate step, run with the owner's credentials.
/// </summary>
public static class RegistryHost
{
    public const int ExitOk = 0;
    public const int ExitConfiguration = 2;
    public const int ExitUnavailable = 3;
    public const int ExitFailed = 1;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.Write(Usage.Text(ModuleCatalog.All));
            return ExitOk;
        }
        var checkOnly = args.Contains("--check");
        var migrateOnly = args.Contains("--migrate-only");
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args.Where(a => a is not ("--check" or "--migrate-only")).ToArray(),
            // The binary's folder, not the working directory: appsettings files are looked for there,
            // and no file watcher ends up watching a tree the artifact store writes into.
            ContentRootPath = AppContext.BaseDirectory,
            Configuration = NoReload(),
        });

        if (migrateOnly) return await MigrateOnlyAsync(builder.Configuration);

        var (modules, platform, errors) = Compose(builder.Services, builder.Configuration);
        if (errors.Count > 0) return Fail(ExitConfiguration, errors);
        var (rabbit, database, artifacts, health) = (platform.RabbitMq, platform.Database, platform.Artifacts, platform.Health);

        var unavailable = await UnavailableAsync(platform);
        if (unavailable.Count > 0) return Fail(ExitUnavailable, unavailable);

        UtcTimestamps(builder.Services);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(rabbit.StopTimeoutSeconds + 5));
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModelRegistry.Host");

        if (await CheckLevelAsync(host.Services.GetRequiredService<DatabaseMigrator>(), database, logger) is { } behind)
            return Fail(ExitUnavailable, [behind]);
        if (await RuntimeRole.AuditLogPowerAsync($"{DatabaseOptions.Section}:ConnectionString", database.ConnectionString) is { } tooPowerful)
            return Fail(ExitConfiguration, [tooPowerful]);

        if (checkOnly)
        {
            if (HealthReport.Check(health, TimeProvider.System.GetUtcNow()) is { } stalled) return Fail(ExitFailed, [stalled]);
            Console.Out.WriteLine($"ok: broker {rabbit.Address}, database up to date, workers {string.Join(",", modules.Select(m => m.Name))}");
            return ExitOk;
        }

        logger.LogInformation("Starting workers {Workers} as {Instance} on {Broker}",
            string.Join(",", modules.Select(m => m.Name)), HostInstance.Current.Name, rabbit.Address);
        var exit = host.Services.GetRequiredService<HostExit>();
        try
        {
            await host.RunAsync();
        }
        catch (Exception e)
        {
            logger.LogCritical(e, "The host stopped on an error");
            return Fail(ExitFailed, [$"stopped on an error: {e.GetBaseException().Message}"]);
        }
        return exit.Code ?? ExitOk;
    }

    /// <summary>
    /// The host's composition: the workers <c>Workers</c> selects from the catalog, every setting bound once and checked
    /// (the platform's, then each selected module's), each selected module's services, then the platform with their
    /// consumers on its bus. A module that is not selected adds nothing: no service, no setting read, no job.
    /// </summary>
    public static (IReadOnlyList<IRegistryModule> Modules, PlatformSettings Platform, IReadOnlyList<string> Errors) Compose(
        IServiceCollection services, IConfiguration configuration)
    {
        var (modules, workerError) = ModuleSelection.Select(ModuleCatalog.All, configuration["Workers"]);
        var settings = new SettingsBinder(configuration);
        var platform = PlatformSettings.Bind(settings);
        if (workerError is not null) settings.Add([workerError]);
        foreach (var module in modules) module.AddServices(services, settings);
        if (settings.Errors.Count == 0) services.AddRegistryPlatform(platform, modules);
        return (modules, platform, settings.Errors);
    }

    /// <summary>Each service the settings name that does not answer as it should, one line each (exit 3).</summary>
    private static async Task<List<string>> UnavailableAsync(PlatformSettings platform)
    {
        var database = platform.Database;
        return (await Task.WhenAll(
                Preflight.CheckBrokerAsync(platform.RabbitMq),
                Preflight.CheckDatabaseAsync($"{DatabaseOptions.Section}:ConnectionString", database.ConnectionString),
                Task.FromResult(Preflight.CheckArtifactStore(platform.Artifacts))))
            .OfType<string>().Distinct().ToList();
    }

    /// <summary>
    /// Timestamps (UTC) on every console line, simple or JSON: a fault's post-mortem needs to know when. A formatter must be
    /// named, else the console logger replaces the formatter's options with its own obsolete ones.
    /// </summary>
    private static void UtcTimestamps(IServiceCollection services)
    {
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o =>
            o.FormatterName ??= Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Simple);
        services.Configure<Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });
    }

    /// <summary>Reads the migration level as the runtime role; the line to fail with when the database is behind.</summary>
    private static async Task<string?> CheckLevelAsync(DatabaseMigrator migrator, DatabaseOptions database, ILogger logger)
    {
        try
        {
            var status = await migrator.ReadStatusAsync(database.ConnectionString);
            if (!status.UpToDate)
                return $"{DatabaseOptions.Section}: {status.Pending.Count} migration(s) pending ({string.Join(", ", status.Pending)}); {DatabaseOptions.MigrateHint}";
            logger.LogInformation("Database at migration {Migration}", status.Latest);
            return null;
        }
        catch (MigrationLevelUnreadableException e)
        {
            return $"{DatabaseOptions.Section}:ConnectionString: {e.Message}; {DatabaseOptions.MigrateHint}";
        }
        catch (Npgsql.NpgsqlException e)
        {
            return $"{DatabaseOptions.Section}:ConnectionString: cannot read the migration level: {OneLine(e.Message)}";
        }
    }

    /// <summary>
    /// <c>--migrate-only</c>: the separate migration step (operator, CI, an init container). Reads only the <c>Database</c>
    /// settings, migrates as <c>Database:MigrationConnectionString</c>, prints the level and exits 0; any failure is one line
    /// and exit 2.
    /// </summary>
    private static async Task<int> MigrateOnlyAsync(IConfiguration configuration)
    {
        var settings = new SettingsBinder(configuration);
        var database = settings.Bind<DatabaseOptions>(DatabaseOptions.Section);
        if (settings.Errors.Count > 0) return Fail(ExitConfiguration, settings.Errors);
        var setting = $"{DatabaseOptions.Section}:MigrationConnectionString";
        if (await Preflight.CheckDatabaseAsync(setting, database.EffectiveMigrationConnectionString) is { } down)
            return Fail(ExitConfiguration, [down]);
        var migrator = new DatabaseMigrator(database, Microsoft.Extensions.Logging.Abstractions.NullLogger<DatabaseMigrator>.Instance);
        try
        {
            var before = migrator.GetStatus();
            var after = await migrator.MigrateAsync();
            foreach (var script in after.Applied.Except(before.Applied)) Console.Out.WriteLine($"applied {script}");
            Console.Out.WriteLine($"database at {after.Latest} ({after.Applied.Count} applied, {after.Pending.Count} pending)");
            return ExitOk;
        }
        catch (Exception e) when (e is MigrationFailedException or Npgsql.NpgsqlException)
        {
            return Fail(ExitConfiguration, [$"{setting}: migrating failed: {OneLine(e.Message)}"]);
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private static ConfigurationManager NoReload()
    {
        var configuration = new ConfigurationManager();
        configuration["hostBuilder:reloadConfigOnChange"] = "false";
        return configuration;
    }


    private static int Fail(int exitCode, IEnumerable<string> problems)
    {
        foreach (var problem in problems) Console.Error.WriteLine($"mreg-host: {problem}");
        return exitCode;
    }
}
