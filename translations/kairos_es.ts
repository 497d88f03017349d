<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="es">
<context>
    <name>kairos::BackendsModel</name>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="59" />
        <source>not checked</source>
        <translation>sin comprobar</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="60" />
        <source>up</source>
        <translation>activo</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="60" />
        <source>down</source>
        <translation>caído</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="78" />
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="79" />
        <source>Routes</source>
        <translation>Rutas</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="80" />
        <source>Health</source>
        <translation>Salud</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="81" />
        <source>Circuit</source>
        <translation>Circuito</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="82" />
        <source>Active</source>
        <translation>Activas</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="83" />
        <source>Requests</source>
        <translation>Peticiones</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="84" />
        <source>Errors</source>
        <translation>Errores</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="85" />
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="86" />
        <source>p99</source>
        <translation>p99</translation>
    </message>
</context>
<context>
    <name>kairos::ConfigEditor</name>
    <message>
        <location filename="../gui/configeditor.cpp" line="54" />
        <source>Apply</source>
        <translation>Aplicar</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="59" />
        <source>Validate</source>
        <translation>Validar</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="60" />
        <source>Revert</source>
        <translation>Revertir</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="80" />
        <source>The running config changed; your edits are not applied (Revert shows it).</source>
        <translation>La configuración en marcha cambió; sus cambios no están aplicados (Revertir la muestra).</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="87" />
        <source>Running config, version %1</source>
        <translation>Configuración en marcha, versión %1</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="97" />
        <source>warning: %1</source>
        <translation>aviso: %1</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="98" />
        <source>Valid.</source>
        <translation>Válida.</translation>
    </message>
    <message numerus="yes">
        <location filename="../gui/configeditor.cpp" line="98" />
        <source>%n problem(s); nothing applied.</source>
        <translation><numerusform>%n problema; no se aplicó nada.</numerusform><numerusform>%n problemas; no se aplicó nada.</numerusform></translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="109" />
        <source>Not applied.</source>
        <translation>No aplicada.</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="110" />
        <source>The config was not applied: %1</source>
        <translation>La configuración no se aplicó: %1</translation>
    </message>
    <message>
        <location filename="../gui/configeditor.cpp" line="114" />
        <source>Config applied (version %1).</source>
        <translation>Configuración aplicada (versión %1).</translation>
    </message>
</context>
<context>
    <name>kairos::MainWindow</name>
    <message>
        <location filename="../gui/mainwindow.cpp" line="54" />
        <source>Kairos Gateway</source>
        <translation>Kairos Gateway</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="64" />
        <source>Routes</source>
        <translation>Rutas</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="65" />
        <source>Backends</source>
        <translation>Backends</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="66" />
        <source>Metrics</source>
        <translation>Métricas</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="67" />
        <source>Traffic</source>
        <translation>Tráfico</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="68" />
        <source>Config</source>
        <translation>Configuración</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="77" />
        <source>Click to copy the URL</source>
        <translation>Haga clic para copiar la URL</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="80" />
        <source>Copied %1</source>
        <translation>Copiado %1</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="105" />
        <source>A config change from %1 was rejected; the gateway keeps running the last good config:
%2</source>
        <translation>Se rechazó un cambio de configuración desde %1; el gateway sigue con la última configuración válida:
%2</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="143" />
        <source>Filter routes</source>
        <translation>Filtrar rutas</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="151" />
        <source>Add</source>
        <translation>Añadir</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="152" />
        <source>Edit</source>
        <translation>Editar</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="153" />
        <source>Duplicate</source>
        <translation>Duplicar</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="154" />
        <source>Delete</source>
        <translation>Eliminar</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="170" />
        <source>Delete route</source>
        <translation>Eliminar ruta</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="170" />
        <source>Delete the route %1?</source>
        <translation>¿Eliminar la ruta %1?</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="179" />
        <source>The route was not deleted: %1</source>
        <translation>La ruta no se eliminó: %1</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="233" />
        <source>Config version %1 applied (from %2).</source>
        <translation>Versión %1 de la configuración aplicada (desde %2).</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="246" />
        <source>%1 req/s</source>
        <translation>%1 pet/s</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="253" />
        <source>not listening</source>
        <translation>sin escuchar</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="254" />
        <source>● running</source>
        <translation>● en marcha</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="254" />
        <source>● stopped</source>
        <translation>● detenido</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="256" />
        <source>Stop</source>
        <translation>Detener</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="256" />
        <source>Start</source>
        <translation>Iniciar</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="257" />
        <source>Config: %1</source>
        <translation>Configuración: %1</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="258" />
        <source>version %1</source>
        <translation>versión %1</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="260" />
        <source>Kairos: running on %1</source>
        <translation>Kairos: en marcha en %1</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="260" />
        <source>Kairos: stopped</source>
        <translation>Kairos: detenido</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="288" />
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="289" />
        <source>Start / Stop</source>
        <translation>Iniciar / Detener</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="290" />
        <source>Quit</source>
        <translation>Salir</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="304" />
        <source>Kairos keeps running</source>
        <translation>Kairos sigue en marcha</translation>
    </message>
    <message>
        <location filename="../gui/mainwindow.cpp" line="304" />
        <source>The gateway is still proxying. Quit from this icon's menu.</source>
        <translation>El gateway sigue haciendo de proxy. Salga desde el menú de este icono.</translation>
    </message>
</context>
<context>
    <name>kairos::MetricsView</name>
    <message>
        <location filename="../gui/metricsview.cpp" line="31" />
        <source>Whole gateway</source>
        <translation>Todo el gateway</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="34" />
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="59" />
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="60" />
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="63" />
        <source>Requests per second</source>
        <translation>Peticiones por segundo</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="63" />
        <source>req/s</source>
        <translation>pet/s</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="64" />
        <source>Error rate (5xx)</source>
        <translation>Tasa de errores (5xx)</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="65" />
        <source>Latency</source>
        <translation>Latencia</translation>
    </message>
    <message>
        <location filename="../gui/metricsview.cpp" line="65" />
        <source>ms</source>
        <translation>ms</translation>
    </message>
</context>
<context>
    <name>kairos::RouteEditor</name>
    <message>
        <location filename="../gui/routeeditor.cpp" line="40" />
        <source>Requires a JWT (auth_required)</source>
        <translation>Requiere un JWT (auth_required)</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="43" />
        <source>Retry</source>
        <translation>Reintentos</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="52" />
        <source>Add route</source>
        <translation>Añadir ruta</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="52" />
        <source>Edit route %1</source>
        <translation>Editar la ruta %1</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="56" />
        <source>External path</source>
        <translation>Ruta externa</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="57" />
        <source>Internal path</source>
        <translation>Ruta interna</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="70" />
        <source>other methods, comma separated</source>
        <translation>otros métodos, separados por comas</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="72" />
        <source>Methods</source>
        <translation>Métodos</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="78" />
        <source>Load balancing</source>
        <translation>Balanceo de carga</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="80" />
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="80" />
        <source>Port</source>
        <translation>Puerto</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="80" />
        <source>Weight</source>
        <translation>Peso</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="80" />
        <source>Health check path</source>
        <translation>Ruta de comprobación</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="85" />
        <source>Add backend</source>
        <translation>Añadir backend</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="86" />
        <source>Remove backend</source>
        <translation>Quitar backend</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="105" />
        <source>Backends</source>
        <translation>Backends</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="126" />
        <source>Max attempts</source>
        <translation>Intentos máximos</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="127" />
        <source>Initial backoff</source>
        <translation>Espera inicial</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="128" />
        <source>Max backoff</source>
        <translation>Espera máxima</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="129" />
        <source>Backoff multiplier</source>
        <translation>Multiplicador de espera</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="130" />
        <source>Retryable status codes</source>
        <translation>Códigos de estado reintentables</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="140" />
        <source>Problems</source>
        <translation>Problemas</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="249" />
        <source>No problems: Apply changes the running gateway.</source>
        <translation>Sin problemas: Aplicar cambia el gateway en marcha.</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="271" />
        <source>Route not applied</source>
        <translation>Ruta no aplicada</translation>
    </message>
    <message>
        <location filename="../gui/routeeditor.cpp" line="271" />
        <source>Nothing was changed:
%1</source>
        <translation>No se cambió nada:
%1</translation>
    </message>
</context>
<context>
    <name>kairos::RoutesModel</name>
    <message>
        <location filename="../gui/routesmodel.cpp" line="29" />
        <source>%1/%2 up</source>
        <translation>%1/%2 activos</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="59" />
        <source>JWT</source>
        <translation>JWT</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="59" />
        <source>none</source>
        <translation>ninguna</translation>
    </message>
    <message numerus="yes">
        <location filename="../gui/routesmodel.cpp" line="61" />
        <source>%n attempt(s)</source>
        <translation><numerusform>%n intento</numerusform><numerusform>%n intentos</numerusform></translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="61" />
        <source>off</source>
        <translation>no</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="71" />
        <source>External path</source>
        <translation>Ruta externa</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="72" />
        <source>Methods</source>
        <translation>Métodos</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="73" />
        <source>Internal path</source>
        <translation>Ruta interna</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="74" />
        <source>Strategy</source>
        <translation>Estrategia</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="75" />
        <source>Backends</source>
        <translation>Backends</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="76" />
        <source>Health</source>
        <translation>Salud</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="77" />
        <source>Auth</source>
        <translation>Autenticación</translation>
    </message>
    <message>
        <location filename="../gui/routesmodel.cpp" line="78" />
        <source>Retry</source>
        <translation>Reintentos</translation>
    </message>
</context>
<context>
    <name>kairos::TrafficModel</name>
    <message>
        <location filename="../gui/trafficview.cpp" line="61" />
        <source>Time</source>
        <translation>Hora</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="62" />
        <source>Method</source>
        <translation>Método</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="63" />
        <source>Path</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="64" />
        <source>Route</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="65" />
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="66" />
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="67" />
        <source>Duration</source>
        <translation>Duración</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="68" />
        <source>Tries</source>
        <translation>Intentos</translation>
    </message>
</context>
<context>
    <name>kairos::TrafficView</name>
    <message>
        <location filename="../gui/trafficview.cpp" line="86" />
        <source>Select a request to see its headers.</source>
        <translation>Seleccione una petición para ver sus cabeceras.</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="119" />
        <source>Response</source>
        <translation>Respuesta</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="123" />
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="123" />
        <source>Tries</source>
        <translation>Intentos</translation>
    </message>
    <message>
        <location filename="../gui/trafficview.cpp" line="125" />
        <source>Request id</source>
        <translation>Id. de petición</translation>
    </message>
</context>
</TS>