using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ModelRegistry.Platform;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Outbox;

namespace ModelRegistry.Host;

/// <summary>
/// Starts the worker host: validates settings, checks broker and database, migrates, then runs
/// until SIGTERM or Ctrl-C. Every startup failure is one line on stderr naming the setting.
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
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args.Where(a => a != "--check").ToArray(),
            // The binary's folder, not the working directory: appsettings files are looked for there,
            // and no file watcher ends up watching a tree the artifact store writes into.
            ContentRootPath = AppContext.BaseDirectory,
            Configuration = NoReload(),
        });

        var (modules, platform, errors) = Compose(builder.Services, builder.Configuration);
        if (errors.Count > 0) return Fail(ExitConfiguration, errors);
        var (rabbit, database, artifacts, health) = (platform.RabbitMq, platform.Database, platform.Artifacts, platform.Health);

        var unavailable = await UnavailableAsync(platform);
        if (unavailable.Count > 0) return Fail(ExitUnavailable, unavailable);

        UtcTimestamps(builder.Services);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(rabbit.StopTimeoutSeconds + 5));
        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ModelRegistry.Host");

        if (await MigrateAsync(host.Services.GetRequiredService<DatabaseMigrator>(), database.MigrateAtStart && !checkOnly, logger) is { } behind)
            return Fail(ExitUnavailable, [behind]);

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
                database.MigrateAtStart
                    ? Preflight.CheckDatabaseAsync($"{DatabaseOptions.Section}:MigrationConnectionString", database.EffectiveMigrationConnectionString)
                    : Task.FromResult<string?>(null),
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

    /// <summary>Migrates (or only reads the level); the line to fail with when the database is behind or migrating failed.</summary>
    private static async Task<string?> MigrateAsync(DatabaseMigrator migrator, bool migrate, ILogger logger)
    {
        try
        {
            var status = migrate ? await migrator.MigrateAsync() : migrator.GetStatus();
            if (!status.UpToDate)
                return $"{DatabaseOptions.Section}: {status.Pending.Count} migration(s) pending ({string.Join(", ", status.Pending)}); run `mreg db migrate` or set {DatabaseOptions.Section}:MigrateAtStart=true";
            logger.LogInformation("Database at migration {Migration}", status.Latest);
            return null;
        }
        catch (Exception e) when (e is MigrationFailedException or Npgsql.NpgsqlException)
        {
            return $"{DatabaseOptions.Section}:MigrationConnectionString: migrating failed: {e.Message}";
        }
    }

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
