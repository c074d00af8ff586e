using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using ModelRegistry.Platform.Artifacts;
using ModelRegistry.Platform.Checkpoints;
using ModelRegistry.Platform.Identity;
using ModelRegistry.Platform.Outbox;
using Quartz;

namespace ModelRegistry.Platform;

/// <summary>The platform's own settings, bound and validated once at start.</summary>
public sealed record PlatformSettings(RabbitMqOptions RabbitMq, DatabaseOptions Database, ArtifactStoreOptions Artifacts,
    OutboxOptions Outbox, HealthOptions Health, MessageOptions Messages, AccessPolicy Access)
{
    /// <summary>Binds and validates every platform section; the access policy file is read and validated in full here.</summary>
    public static PlatformSettings Bind(SettingsBinder settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var rabbit = settings.Bind<RabbitMqOptions>(RabbitMqOptions.Section);
        var (access, accessErrors) = AccessPolicyFile.Load(settings.Bind<AccessOptions>(AccessOptions.Section).PolicyFile);
        settings.Add(accessErrors);
        // Else the workers' own messages (deploy instructions, deadlines, forwarded evaluations) would all be refused.
        if (access is not null && !access.IsRegistry(rabbit.Username))
            settings.Add([$"{RabbitMqOptions.Section}:Username: '{rabbit.Username}' is not a registry user of the access policy " +
                          $"({AccessOptions.Section}:PolicyFile, \"registry\"): the workers' own messages would be refused"]);
        return new(rabbit, settings.Bind<DatabaseOptions>(DatabaseOptions.Section),
            settings.Bind<ArtifactStoreOptions>(ArtifactStoreOptions.Section), settings.Bind<OutboxOptions>(OutboxOptions.Section),
            settings.Bind<HealthOptions>(HealthOptions.Section), settings.Bind<MessageOptions>(MessageOptions.Section),
            access ?? AccessPolicyFile.BuiltIn);
    }
}

/// <summary>What every host runs whatever its modules: settings, database, bus (with each module's consumers), watchdog, scheduler.</summary>
public static class PlatformServices
{
    /// <summary>
    /// The platform's services, then each selected module's consumers on the one bus. The scheduler joins only when a
    /// selected module has Quartz jobs, so a host never runs the jobs of a module it does not run.
    /// </summary>
    public static IServiceCollection AddRegistryPlatform(this IServiceCollection services, PlatformSettings settings,
        IReadOnlyList<IRegistryModule> modules)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.RabbitMq);
        services.AddSingleton(settings.Database);
        services.AddSingleton(settings.Artifacts);
        services.AddSingleton(settings.Outbox);
        services.AddSingleton(settings.Health);
        services.AddSingleton(settings.Messages);
        services.AddSingleton(settings.Access);
        services.AddSingleton<IMessagePrincipal, BrokerUserId>();
        services.AddSingleton(TimeProvider.System);

        // One data source for the process: it owns the connection pool.
        services.AddSingleton(_ => DataSources.Create(settings.Database.ConnectionString));
        services.AddSingleton<DatabaseMigrator>();
        services.AddSingleton<RefusedBodyStore>();
        services.AddSingleton<IArtifactStore, ContentAddressedStore>();
        services.AddSingleton(HostInstance.Current);

        // Before the bus, so clients can bind to every event's exchange once the workers consume.
        services.AddHostedService<ContractExchanges>();
        services.AddBus(settings.RabbitMq, modules);
        if (modules.Any(m => m.HasJobs)) services.AddScheduler(settings.Database);
        return services;
    }

    private static void AddBus(this IServiceCollection services, RabbitMqOptions rabbit, IReadOnlyList<IRegistryModule> modules)
    {
        services.AddOptions<MassTransitHostOptions>().Configure(o =>
        {
            o.WaitUntilStarted = true; // else the first messages can arrive before the queues are bound
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(rabbit.StopTimeoutSeconds);
            o.ConsumerStopTimeout = TimeSpan.FromSeconds(rabbit.StopTimeoutSeconds);
        });
        services.AddMassTransit(x =>
        {
            // A registry does not phone home: no usage report to masstransit.io (docs/architecture.md, "Outbound connections").
            x.DisableUsageTelemetry();
            x.SetKebabCaseEndpointNameFormatter();
            foreach (var module in modules) module.AddConsumers(x);
            // Every endpoint refuses an oversized body before it is read (docs/messages.md, "Size").
            x.AddConfigureEndpointsCallback((context, _, endpoint) => OversizedBodyFilter.Configure(endpoint, context));
            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(rabbit);
                cfg.PrefetchCount = rabbit.PrefetchCount;
                // A string with an unpaired surrogate and a timestamp without an offset are read so that the rules can
                // refuse them with a rejection event (docs/messages.md, JSON conventions).
                cfg.ConfigureJsonSerializerOptions(WireJsonConverters.AddTo);
                // Plain JSON from non-.NET publishers (content type application/json, or none)
                // as well as MassTransit's envelope: docs/messages.md. The exchange names the type.
                cfg.AddDeserializer(new ExchangeTypedJsonDeserializerFactory(), isDefault: true);
                // Both name the JSON path of a value they cannot read in the fault left in the error queue (JsonPathConsumeContext).
                cfg.AddDeserializer(new EnvelopeJsonDeserializerFactory());
                cfg.ConfigureEndpoints(context);
            });
        });
        // After the bus, so it stops before the bus does.
        services.AddSingleton<IOutboxPublisher, BusOutboxPublisher>();
        services.AddSingleton<OutboxRelay>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxRelay>());
        services.AddSingleton(new SelectedModules(modules));
        services.AddSingleton<HostExit>();
        services.AddSingleton<AuditCheckpointHealth>();
        services.AddHostedService<HostHealthMonitor>();
    }

    /// <summary>Quartz on its PostgreSQL job store, clustered, so schedules survive restarts and fire once.</summary>
    private static void AddScheduler(this IServiceCollection services, DatabaseOptions database)
    {
        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = QuartzSchema.SchedulerName;
                // Unique per live process, as clustering requires; a restarted host is a new member. A host
                // that stops cleanly leaves (SchedulerDeparture); the cluster recovers a dead one's jobs.
                s.InstanceId = HostInstance.Current.Name;
            });
            q.UsePersistentStore(store =>
            {
                store.UsePostgres(database.ConnectionString);
                // The tables are provisioned by our migrations (0002), in their own schema.
                store.ConfigureStore(o => o.TablePrefix = QuartzSchema.TablePrefix);
                store.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(5);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(15);
                });
                store.UseSystemTextJsonSerializer();
            });
        });
        services.AddHostedService<SchedulerDeparture>();
        services.AddQuartzHostedService(o => o.WaitForJobsToComplete = true);
    }
}
