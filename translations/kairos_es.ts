<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es">
<context>
    <name>ExchangeRoutes</name>
    <message>
        <location filename="../gui/exchangeroutes.cpp" line="+46"/>
        <source>The captured body is not UTF-8 text; the mock&apos;s body is not the same bytes.</source>
        <translation>El cuerpo capturado no es texto UTF-8; el cuerpo del mock no tendrá los mismos bytes.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Only the first %1 bytes of the body were captured; the mock answers with those.</source>
        <translation>Solo se capturaron los primeros %1 bytes del cuerpo; el mock responde con esos.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>A route for exactly %1 exists; give the mock another path or change that route.</source>
        <translation>Ya existe una ruta exactamente para %1; dé otra ruta al mock o modifique esa ruta.</translation>
    </message>
</context>
<context>
    <name>FaultSwitch</name>
    <message>
        <location filename="../gui/faultswitch.cpp" line="+68"/>
        <source>The route %1 is gone.</source>
        <translation>La ruta %1 ya no existe.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The route %1 answers itself: faults are for routes with backends.</source>
        <translation>La ruta %1 responde por sí misma: los fallos son para rutas con backends.</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../gui/connectioneditor.cpp" line="+35"/>
        <source>Own settings</source>
        <translation>Ajustes propios</translation>
    </message>
    <message>
        <location filename="../gui/routebehavioureditor.cpp" line="+27"/>
        <source>Browse…</source>
        <translation>Examinar…</translation>
    </message>
</context>
<context>
    <name>kairos::BackendChart</name>
    <message>
        <location filename="../gui/backendchart.cpp" line="+28"/>
        <source>p99 ms</source>
        <translation>p99 ms</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>errors %</source>
        <translation>errores %</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>ms</source>
        <translation>ms</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Select a backend to see its p99 and error rate</source>
        <translation>Seleccione un backend para ver su p99 y su tasa de errores</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: p99 latency and errors, each second</source>
        <translation>%1: latencia p99 y errores, cada segundo</translation>
    </message>
</context>
<context>
    <name>kairos::BackendsModel</name>
    <message>
        <location filename="../gui/backendsmodel.cpp" line="+41"/>
        <source>Listed in the config</source>
        <translation>Listados en la configuración</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>DNS %1</source>
        <translation>DNS %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DNS SRV %1</source>
        <translation>DNS SRV %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>etcd %1</source>
        <translation>etcd %1</translation>
    </message>
    <message>
        <location line="+138"/>
        <source>%1 lookup(s), %2 failed</source>
        <translation>%1 consulta(s), %2 fallida(s)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Backends last changed at %1</source>
        <translation>Los backends cambiaron por última vez a las %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Next lookup at %1</source>
        <translation>Próxima consulta a las %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Refused: %1</source>
        <translation>Rechazado: %1</translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <location line="+22"/>
        <source>%n backend(s)</source>
        <translation>
            <numerusform>%n backend</numerusform>
            <numerusform>%n backends</numerusform>
        </translation>
    </message>
    <message>
        <location line="-19"/>
        <source>ok</source>
        <translation>correcto</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>empty</source>
        <translation>vacío</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>failed</source>
        <translation>fallido</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>pending</source>
        <translation>pendiente</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>waiting for the first answer</source>
        <translation>esperando la primera respuesta</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>lookup failed</source>
        <translation>la consulta falló</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>found no backend</source>
        <translation>no encontró ningún backend</translation>
    </message>
    <message numerus="yes">
        <location line="+4"/>
        <source>keeps the %n backend(s) found before</source>
        <translation>
            <numerusform>conserva el backend encontrado antes</numerusform>
            <numerusform>conserva los %n backends encontrados antes</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>refreshed %1</source>
        <translation>actualizado %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>TTL %1 s</source>
        <translation>TTL %1 s</translation>
    </message>
    <message numerus="yes">
        <location line="+2"/>
        <source>%n registration(s) refused</source>
        <translation>
            <numerusform>%n registro rechazado</numerusform>
            <numerusform>%n registros rechazados</numerusform>
        </translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Rate limit %1 per %2 key (%3): %4 key(s) tracked</source>
        <translation>Límite de tasa %1 por clave %2 (%3): %4 clave(s) registradas</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Found by %1: %2; connections go to %3</source>
        <translation>Encontrado por %1: %2; las conexiones van a %3</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>not checked</source>
        <translation>sin comprobar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>up</source>
        <translation>activo</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>down</source>
        <translation>caído</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>ejected, %1 s left</source>
        <translation>expulsado, quedan %1 s</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>in (ejected %n time(s))</source>
        <translation>
            <numerusform>dentro (expulsado %n vez)</numerusform>
            <numerusform>dentro (expulsado %n veces)</numerusform>
        </translation>
    </message>
    <message>
        <location line="+0"/>
        <source>in</source>
        <translation>dentro</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Record</source>
        <translation>Registro</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Routes</source>
        <translation>Rutas</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Health</source>
        <translation>Salud</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Circuit</source>
        <translation>Circuito</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outlier</source>
        <translation>Atípico</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Slow start</source>
        <translation>Arranque lento</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Active</source>
        <translation>Activas</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queued</source>
        <translation>En cola</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Requests</source>
        <translation>Peticiones</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Errors</source>
        <translation>Errores</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Estimate</source>
        <translation>Estimación</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Share</source>
        <translation>Reparto</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Limited</source>
        <translation>Limitadas</translation>
    </message>
</context>
<context>
    <name>kairos::BodyView</name>
    <message>
        <location filename="../gui/bodyview.cpp" line="+92"/>
        <source>No body.</source>
        <translation>Sin cuerpo.</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Truncated at %1 bytes (of %2).</source>
        <translation>Truncado a %1 bytes (de %2).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 bytes, not captured (console.capture_body_bytes is 0).</source>
        <translation>%1 bytes, sin capturar (console.capture_body_bytes es 0).</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Encoded with %1: shown as received.</source>
        <translation>Codificado con %1: se muestra tal como llegó.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>%1 image, %2 × %3 pixels.</source>
        <translation>Imagen %1, %2 × %3 píxeles.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Not a readable image: shown as bytes.</source>
        <translation>No es una imagen legible: se muestra como bytes.</translation>
    </message>
</context>
<context>
    <name>kairos::BreakpointsView</name>
    <message>
        <location filename="../gui/breakpointsview.cpp" line="+59"/>
        <source>Requests</source>
        <translation>Peticiones</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Responses</source>
        <translation>Respuestas</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+34"/>
        <source>Method</source>
        <translation>Método</translation>
    </message>
    <message>
        <location line="-34"/>
        <source>Path contains</source>
        <translation>La ruta contiene</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A request or response whose method and target match a rule waits here. An empty method or path matches any.</source>
        <translation>Una petición o respuesta cuyo método y destino coinciden con una regla espera aquí. Un método o ruta vacíos coinciden con cualquiera.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add rule</source>
        <translation>Añadir regla</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove rule</source>
        <translation>Quitar regla</translation>
    </message>
    <message>
        <location line="+3"/>
        <source> s</source>
        <translation> s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A message nobody decides on goes on unchanged after this long.</source>
        <translation>Un mensaje sobre el que nadie decide sigue sin cambios pasado este tiempo.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Continue unchanged after</source>
        <translation>Seguir sin cambios tras</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rules</source>
        <translation>Reglas</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Waiting</source>
        <translation>En espera</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Target</source>
        <translation>Destino</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Headers</source>
        <translation>Cabeceras</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Body</source>
        <translation>Cuerpo</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Continue</source>
        <translation>Continuar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit and continue</source>
        <translation>Editar y continuar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Answer with error</source>
        <translation>Responder con error</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Selected message</source>
        <translation>Mensaje seleccionado</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Breakpoints need the console&apos;s traffic capture.</source>
        <translation>Los puntos de interrupción necesitan la captura de tráfico de la consola.</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Response %1 to %2 %3</source>
        <translation>Respuesta %1 a %2 %3</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Request %1 %2</source>
        <translation>Petición %1 %2</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Nothing is waiting.</source>
        <translation>No hay nada en espera.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>A response, before it reaches the client (request %1).</source>
        <translation>Una respuesta, antes de llegar al cliente (petición %1).</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A request, before it leaves for a backend (request %1).</source>
        <translation>Una petición, antes de salir hacia un backend (petición %1).</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Only the first %1 KiB of the body is here; it goes on unchanged.</source>
        <translation>Solo están aquí los primeros %1 KiB del cuerpo; sigue sin cambios.</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>It no longer waits: its client left or its time ran out.</source>
        <translation>Ya no espera: su cliente se fue o se agotó su tiempo.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Not sent: %1.</source>
        <translation>No enviado: %1.</translation>
    </message>
</context>
<context>
    <name>kairos::CanaryView</name>
    <message>
        <location filename="../gui/canaryview.cpp" line="+35"/>
        <source>shifting</source>
        <translation>desplazando</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>paused</source>
        <translation>en pausa</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>promoted</source>
        <translation>promovido</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>rolled back</source>
        <translation>revertido</translation>
    </message>
    <message>
        <location line="+118"/>
        <source>No route splits its traffic. Give a route split groups in its editor (Split tab) to roll out a canary.</source>
        <translation>Ninguna ruta reparte su tráfico. Dé grupos de reparto a una ruta en su editor (pestaña Reparto) para desplegar un canario.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Pause</source>
        <translation>Pausar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume</source>
        <translation>Reanudar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Roll back</source>
        <translation>Revertir</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Promote</source>
        <translation>Promover</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Group</source>
        <translation>Grupo</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Weight</source>
        <translation>Peso</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Live share</source>
        <translation>Cuota actual</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Served</source>
        <translation>Servidas</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Requests</source>
        <translation>Peticiones</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Errors</source>
        <translation>Errores</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The group&apos;s weight in the config</source>
        <translation>El peso del grupo en la configuración</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The share of new requests the group gets now (a shift moves it)</source>
        <translation>La parte de las peticiones nuevas que recibe ahora el grupo (un desplazamiento la mueve)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The group&apos;s share of the requests of the last second</source>
        <translation>La parte del grupo en las peticiones del último segundo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Answers with a 5xx status</source>
        <translation>Respuestas con un estado 5xx</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Keep the canary&apos;s share where it is</source>
        <translation>Mantener la cuota del canario donde está</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Go on shifting (after a rollback: start over from the configured share)</source>
        <translation>Seguir desplazando (tras una reversión: empezar de nuevo desde la cuota configurada)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Put the canary&apos;s share back to 0 %</source>
        <translation>Devolver la cuota del canario al 0 %</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Give the canary 100 % of the requests</source>
        <translation>Dar al canario el 100 % de las peticiones</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Route</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location line="+151"/>
        <location line="+19"/>
        <source>The route is not running a split.</source>
        <translation>La ruta no está ejecutando un reparto.</translation>
    </message>
    <message>
        <location line="-17"/>
        <source>No gradual shift: the groups keep their configured weights.</source>
        <translation>Sin desplazamiento gradual: los grupos mantienen sus pesos configurados.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Shift of &lt;b&gt;%1&lt;/b&gt;: &lt;b&gt;%2&lt;/b&gt; at %3 after %4 steps (%5 rollbacks) — %6</source>
        <translation>Desplazamiento de &lt;b&gt;%1&lt;/b&gt;: &lt;b&gt;%2&lt;/b&gt; al %3 tras %4 pasos (%5 reversiones) — %6</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Refused: %1</source>
        <translation>Rechazado: %1</translation>
    </message>
</context>
<context>
    <name>kairos::ClusterView</name>
    <message>
        <location filename="../gui/clusterview.cpp" line="+41"/>
        <source>Instance</source>
        <translation>Instancia</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Address</source>
        <translation>Dirección</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+2"/>
        <source>Revision</source>
        <translation>Revisión</translation>
    </message>
    <message>
        <location line="-2"/>
        <source>Version</source>
        <translation>Versión</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Started</source>
        <translation>Iniciada</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refused documents</source>
        <translation>Documentos rechazados</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key</source>
        <translation>Clave</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Why</source>
        <translation>Motivo</translation>
    </message>
    <message numerus="yes">
        <location line="+14"/>
        <source>Fleet: %n instance(s) · revision %1 · etcd %2</source>
        <translation>
            <numerusform>Flota: %n instancia · revisión %1 · etcd %2</numerusform>
            <numerusform>Flota: %n instancias · revisión %1 · etcd %2</numerusform>
        </translation>
    </message>
    <message>
        <location line="+3"/>
        <source>up</source>
        <translation>activo</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>down</source>
        <translation>caído</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>This instance: &lt;b&gt;%1&lt;/b&gt; · etcd %2 at %3, prefix %4 · serving revision %5</source>
        <translation>Esta instancia: &lt;b&gt;%1&lt;/b&gt; · etcd %2 en %3, prefijo %4 · sirviendo la revisión %5</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&lt;span style=&apos;color:#2e9d4f&apos;&gt;up&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#2e9d4f&apos;&gt;activo&lt;/span&gt;</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>&lt;span style=&apos;color:#d03a2f&apos;&gt;down&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;color:#d03a2f&apos;&gt;caído&lt;/span&gt;</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Serving the cached config from %1 until etcd answers.</source>
        <translation>Sirviendo la configuración en caché de %1 hasta que etcd responda.</translation>
    </message>
</context>
<context>
    <name>kairos::CompressionEditor</name>
    <message>
        <location filename="../gui/compressioneditor.cpp" line="+26"/>
        <source>the gateway&apos;s: zstd, br, gzip</source>
        <translation>las del gateway: zstd, br, gzip</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>gateway&apos;s</source>
        <translation>del gateway</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Encodings, preferred first</source>
        <translation>Codificaciones, la preferida primero</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Smallest body compressed</source>
        <translation>Cuerpo mínimo que se comprime</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Compression</source>
        <translation>Compresión</translation>
    </message>
</context>
<context>
    <name>kairos::ConfigEditor</name>
    <message>
        <location filename="../gui/configeditor.cpp" line="+61"/>
        <source>Apply</source>
        <translation>Aplicar</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Overwrite with my edits</source>
        <translation>Sobrescribir con mis cambios</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Merge my edits</source>
        <translation>Fusionar mis cambios</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discard my edits</source>
        <translation>Descartar mis cambios</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Validate</source>
        <translation>Validar</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+5"/>
        <source>Revert</source>
        <translation>Revertir</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Discard your edits that are not applied?</source>
        <translation>¿Descartar sus cambios no aplicados?</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Edited: not applied (Revert discards the edits).</source>
        <translation>Editado: sin aplicar (Revertir descarta los cambios).</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>The running config changed; your edits are not applied (Revert shows it).</source>
        <translation>La configuración en marcha cambió; sus cambios no están aplicados (Revertir la muestra).</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Running config, version %1</source>
        <translation>Configuración en marcha, versión %1</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>warning: %1</source>
        <translation>aviso: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Valid.</source>
        <translation>Válida.</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n problem(s); nothing applied.</source>
        <translation>
            <numerusform>%n problema; no se aplicó nada.</numerusform>
            <numerusform>%n problemas; no se aplicó nada.</numerusform>
        </translation>
    </message>
    <message>
        <location line="+52"/>
        <location line="+50"/>
        <source>Not applied.</source>
        <translation>No aplicada.</translation>
    </message>
    <message>
        <location line="-64"/>
        <source>The config was not applied: %1</source>
        <translation>La configuración no se aplicó: %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Config applied (version %1).</source>
        <translation>Configuración aplicada (versión %1).</translation>
    </message>
    <message>
        <location line="+44"/>
        <source>routes added: %1</source>
        <translation>rutas añadidas: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>routes removed: %1</source>
        <translation>rutas eliminadas: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>routes changed: %1</source>
        <translation>rutas cambiadas: %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>settings outside the routes changed</source>
        <translation>cambiaron ajustes fuera de las rutas</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Merge applies your edits onto it and keeps that change.</source>
        <translation>Fusionar aplica sus cambios sobre ella y conserva ese cambio.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Your edits and that change both touch %1: merging is not possible.</source>
        <translation>Sus cambios y ese cambio afectan ambos a %1: no es posible fusionarlos.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Not applied: the running config changed since you started editing (version %1 now; %2). Overwriting it with your text undoes that. %3</source>
        <translation>No aplicado: la configuración en ejecución cambió desde que empezó a editar (ahora versión %1; %2). Sobrescribirla con su texto deshace ese cambio. %3</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>the whole config</source>
        <translation>toda la configuración</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>what the merged config would be (%1)</source>
        <translation>la configuración fusionada (%1)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The merged config was not applied: %1</source>
        <translation>La configuración fusionada no se aplicó: %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Your edits were merged and applied (version %1).</source>
        <translation>Sus cambios se fusionaron y aplicaron (versión %1).</translation>
    </message>
</context>
<context>
    <name>kairos::ConnectionEditor</name>
    <message>
        <location filename="../gui/connectioneditor.cpp" line="+19"/>
        <source>Pass the client&apos;s Host on (preserve_host)</source>
        <translation>Pasar el Host del cliente (preserve_host)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pass Authorization on to the backend (forward_authorization)</source>
        <translation>Pasar Authorization al backend (forward_authorization)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retry POST and PATCH too (retry_non_idempotent)</source>
        <translation>Reintentar también POST y PATCH (retry_non_idempotent)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>server&apos;s</source>
        <translation>del servidor</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>top level&apos;s (websocket by default); &quot;none&quot; for none</source>
        <translation>los del nivel superior (websocket por defecto); &quot;none&quot; para ninguno</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Top-level circuit_breaker</source>
        <translation>circuit_breaker del nivel superior</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Top-level health_check</source>
        <translation>health_check del nivel superior</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>All tries (timeout_ms)</source>
        <translation>Todos los intentos (timeout_ms)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connect timeout</source>
        <translation>Tiempo de conexión</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Response timeout</source>
        <translation>Tiempo de respuesta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Body limit</source>
        <translation>Límite del cuerpo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Idle tunnel timeout</source>
        <translation>Inactividad del túnel</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Allowed upgrades</source>
        <translation>Upgrades permitidos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Circuit breaker</source>
        <translation>Circuit breaker</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>  failures to open</source>
        <translation>  fallos para abrir</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>  open for</source>
        <translation>  abierto durante</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Health checks</source>
        <translation>Comprobaciones de salud</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>  interval</source>
        <translation>  intervalo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>  failures to mark down</source>
        <translation>  fallos para marcar caído</translation>
    </message>
</context>
<context>
    <name>kairos::CorsEditor</name>
    <message>
        <location filename="../gui/corseditor.cpp" line="+26"/>
        <source>Allow credentials (cookies, Authorization)</source>
        <translation>Permitir credenciales (cookies, Authorization)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>one origin per line: http://localhost:5173, https://*.example.com or *</source>
        <translation>un origen por línea: http://localhost:5173, https://*.example.com o *</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the route&apos;s methods</source>
        <translation>los métodos de la ruta</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>whatever a preflight asks for; * for any</source>
        <translation>los que pida el preflight; * para cualquiera</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Allowed origins</source>
        <translation>Orígenes permitidos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Allowed methods</source>
        <translation>Métodos permitidos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Allowed request fields</source>
        <translation>Campos de petición permitidos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Exposed response fields</source>
        <translation>Campos de respuesta expuestos</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preflight cache (max_age_s)</source>
        <translation>Caché del preflight (max_age_s)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CORS</source>
        <translation>CORS</translation>
    </message>
</context>
<context>
    <name>kairos::DiscoverDialog</name>
    <message>
        <location filename="../gui/discoverdialog.cpp" line="+27"/>
        <source>Look up sooner when the records&apos; TTL is shorter (respect_ttl)</source>
        <translation>Consultar antes cuando el TTL de los registros sea menor (respect_ttl)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Add discovered backends</source>
        <translation>Añadir backends descubiertos</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Discovered backends</source>
        <translation>Backends descubiertos</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>DNS name (A/AAAA records)</source>
        <translation>Nombre DNS (registros A/AAAA)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>DNS SRV name</source>
        <translation>Nombre DNS SRV</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Service registered in etcd</source>
        <translation>Servicio registrado en etcd</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>the system&apos;s resolver; or 127.0.0.1:5353, [::1]:53</source>
        <translation>el resolvedor del sistema; o 127.0.0.1:5353, [::1]:53</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Source</source>
        <translation>Origen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name</source>
        <translation>Nombre</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Port</source>
        <translation>Puerto</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scheme</source>
        <translation>Esquema</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh every</source>
        <translation>Actualizar cada</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Nameservers</source>
        <translation>Servidores de nombres</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Weight</source>
        <translation>Peso</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>How the backends found are reached; an etcd registration&apos;s own URL wins.</source>
        <translation>Cómo se llega a los backends encontrados; la URL propia de un registro de etcd tiene prioridad.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Every address&apos;s weight (SRV records and registrations carry their own).</source>
        <translation>El peso de cada dirección (los registros SRV y los registros de etcd llevan el suyo).</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Problems</source>
        <translation>Problemas</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Every address the name resolves to, on the port below.</source>
        <translation>Cada dirección a la que resuelve el nombre, en el puerto de abajo.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The target of each SRV record, with the record&apos;s port and weight; the lowest priority that has targets is used.</source>
        <translation>El destino de cada registro SRV, con el puerto y el peso del registro; se usa la prioridad más baja que tenga destinos.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The instances registered under services/&lt;name&gt;/ in the fleet&apos;s etcd (kairos-gateway --register); etcd tells of each change as it happens.</source>
        <translation>Las instancias registradas bajo services/&lt;nombre&gt;/ en el etcd de la flota (kairos-gateway --register); etcd avisa de cada cambio en cuanto ocurre.</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>No problems.</source>
        <translation>Sin problemas.</translation>
    </message>
</context>
<context>
    <name>kairos::FaultEditor</name>
    <message>
        <location filename="../gui/faulteditor.cpp" line="+31"/>
        <source>Delay</source>
        <translation>Retardo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Abort</source>
        <translation>Aborto</translation>
    </message>
    <message>
        <location line="+13"/>
        <location line="+10"/>
        <source>Of requests</source>
        <translation>De las peticiones</translation>
    </message>
    <message>
        <location line="-9"/>
        <source>Wait</source>
        <translation>Esperar</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Answer with status</source>
        <translation>Responder con el estado</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>none; e.g. X-Fault (&quot;delay=2000&quot;, &quot;abort=503&quot;)</source>
        <translation>ninguno; p. ej. X-Fault (&quot;delay=2000&quot;, &quot;abort=503&quot;)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Request field asking for a fault</source>
        <translation>Campo de petición que pide un fallo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Faults</source>
        <translation>Fallos</translation>
    </message>
</context>
<context>
    <name>kairos::HeaderRulesEditor</name>
    <message>
        <location filename="../gui/headerruleseditor.cpp" line="+16"/>
        <source>Set field</source>
        <translation>Fijar campo</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+1"/>
        <source>Value</source>
        <translation>Valor</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Add field</source>
        <translation>Añadir campo</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Replaces every field of that name, or adds it. Values may name {client_ip}, {request_id}, {route}, {host} and {path}.</source>
        <translation>Sustituye todos los campos con ese nombre, o lo añade. Los valores pueden usar {client_ip}, {request_id}, {route}, {host} y {path}.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>One more field of that name, beside those already there.</source>
        <translation>Un campo más con ese nombre, junto a los que ya hay.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>field names, comma separated</source>
        <translation>nombres de campo, separados por comas</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Remove</source>
        <translation>Quitar</translation>
    </message>
</context>
<context>
    <name>kairos::MainWindow</name>
    <message>
        <location filename="../gui/mainwindow.cpp" line="+77"/>
        <source>Kairos Gateway</source>
        <translation>Kairos Gateway</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Backends taken down or brought back by their health checks</source>
        <translation>Backends que sus comprobaciones de salud marcaron caídos o recuperaron</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>A mock made from %1 %2 (status %3). Nothing changes until you apply it.</source>
        <translation>Un mock hecho a partir de %1 %2 (estado %3). Nada cambia hasta que lo aplique.</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>CORS for %1 added to this route&apos;s policy. Nothing changes until you apply it.</source>
        <translation>CORS para %1 añadido a la política de esta ruta. Nada cambia hasta que lo aplique.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Overview</source>
        <translation>Resumen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Routes</source>
        <translation>Rutas</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Backends</source>
        <translation>Backends</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Canary</source>
        <translation>Canario</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Metrics</source>
        <translation>Métricas</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Traffic</source>
        <translation>Tráfico</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Breakpoints</source>
        <translation>Puntos de interrupción</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Config</source>
        <translation>Configuración</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Click to copy the URL</source>
        <translation>Haga clic para copiar la URL</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copied %1</source>
        <translation>Copiado %1</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>A config change from %1 was rejected; the gateway keeps running the last good config:
%2</source>
        <translation>Se rechazó un cambio de configuración desde %1; el gateway sigue con la última configuración válida:
%2</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Backend up</source>
        <translation>Backend activo</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 answers its health checks again.</source>
        <translation>%1 vuelve a responder a sus comprobaciones de salud.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Backend down</source>
        <translation>Backend caído</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 failed its health checks: %2</source>
        <translation>%1 falló sus comprobaciones de salud: %2</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>Filter routes</source>
        <translation>Filtrar rutas</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Add</source>
        <translation>Añadir</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit</source>
        <translation>Editar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duplicate</source>
        <translation>Duplicar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Delete</source>
        <translation>Eliminar</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Delete route</source>
        <translation>Eliminar ruta</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Delete the route %1?</source>
        <translation>¿Eliminar la ruta %1?</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The route was not deleted: %1</source>
        <translation>La ruta no se eliminó: %1</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Edit…</source>
        <translation>Editar…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show canary</source>
        <translation>Mostrar canario</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Inject faults</source>
        <translation>Inyectar fallos</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Off writes &quot;fault&quot;: null and keeps the route&apos;s settings in the console; on brings them back, or with none kept aborts 10 % of requests with 503 and delays 10 % by 1000 ms.</source>
        <translation>Desactivar escribe &quot;fault&quot;: null y guarda los ajustes de la ruta en la consola; activar los recupera o, si no hay ninguno guardado, aborta el 10 % de las peticiones con 503 y retrasa el 10 % 1000 ms.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>it was removed meanwhile.</source>
        <translation>se eliminó mientras tanto.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>it was changed meanwhile; look at it again before deleting it.</source>
        <translation>se modificó mientras tanto; revísela antes de eliminarla.</translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Faults not changed: %1</source>
        <translation>Fallos sin cambiar: %1</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Config version %1 applied (from %2).</source>
        <translation>Versión %1 de la configuración aplicada (desde %2).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Config changed</source>
        <translation>Configuración cambiada</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 req/s</source>
        <translation>%1 pet/s</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Cluster</source>
        <translation>Clúster</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>not listening</source>
        <translation>sin escuchar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>● running</source>
        <translation>● en marcha</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>● stopped</source>
        <translation>● detenido</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Stop</source>
        <translation>Detener</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Start</source>
        <translation>Iniciar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Config: %1</source>
        <translation>Configuración: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>version %1</source>
        <translation>versión %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Kairos: running on %1</source>
        <translation>Kairos: en marcha en %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Kairos: stopped</source>
        <translation>Kairos: detenido</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Start / Stop</source>
        <translation>Iniciar / Detener</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Quit</source>
        <translation>Salir</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1  %2 up</source>
        <translation>%1  %2 activo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1  %2 down: %3</source>
        <translation>%1  %2 caído: %3</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Kairos keeps running</source>
        <translation>Kairos sigue en marcha</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The gateway is still proxying. Quit from this icon&apos;s menu.</source>
        <translation>El gateway sigue haciendo de proxy. Salga desde el menú de este icono.</translation>
    </message>
    <message>
        <location filename="../gui/mainwindowmenus.cpp" line="+44"/>
        <source>&amp;File</source>
        <translation>&amp;Archivo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open config…</source>
        <translation>&amp;Abrir configuración…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open config</source>
        <translation>Abrir configuración</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>JSON config (*.json);;All files (*)</source>
        <translation>Configuración JSON (*.json);;Todos los archivos (*)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Save config &amp;as…</source>
        <translation>Guardar configuración &amp;como…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save config as</source>
        <translation>Guardar configuración como</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>JSON config (*.json)</source>
        <translation>Configuración JSON (*.json)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Open &amp;recent</source>
        <translation>Abrir &amp;reciente</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>&amp;Salir</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Edit</source>
        <translation>&amp;Editar</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Add route…</source>
        <translation>&amp;Añadir ruta…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Find</source>
        <translation>&amp;Buscar</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;View</source>
        <translation>&amp;Ver</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;Full screen</source>
        <translation>&amp;Pantalla completa</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Desktop &amp;notifications</source>
        <translation>&amp;Notificaciones de escritorio</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A backend going down or coming back, a config change from the file, the API or the fleet</source>
        <translation>Un backend que cae o vuelve, un cambio de configuración desde el archivo, la API o la flota</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>&amp;Gateway</source>
        <translation>&amp;Gateway</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Start / Stop</source>
        <translation>&amp;Iniciar / Detener</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Reload config</source>
        <translation>&amp;Recargar configuración</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Config reloaded from %1 (version %2).</source>
        <translation>Configuración recargada desde %1 (versión %2).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>The config file was not applied; the gateway keeps the running config:
%1</source>
        <translation>El archivo de configuración no se aplicó; el gateway mantiene la configuración en ejecución:
%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Open in &amp;browser</source>
        <translation>Abrir en el &amp;navegador</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Local &amp;HTTPS (development certificate)…</source>
        <translation>&amp;HTTPS local (certificado de desarrollo)…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>HTTPS on localhost could not start: %1</source>
        <translation>No se pudo iniciar HTTPS en localhost: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Local HTTPS</source>
        <translation>HTTPS local</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Kairos serves HTTPS on localhost with a certificate from its own development authority. Nothing was added to any trust store.</source>
        <translation>Kairos sirve HTTPS en localhost con un certificado de su propia autoridad de desarrollo. No se añadió nada a ningún almacén de confianza.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>&amp;Help</source>
        <translation>A&amp;yuda</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Getting started</source>
        <translation>Primeros pasos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Configuration reference</source>
        <translation>Referencia de configuración</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Admin API</source>
        <translation>API de administración</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fleet mode</source>
        <translation>Modo flota</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Deploying</source>
        <translation>Despliegue</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;About Kairos</source>
        <translation>&amp;Acerca de Kairos</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>About Kairos</source>
        <translation>Acerca de Kairos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>About &amp;Qt</source>
        <translation>Acerca de &amp;Qt</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&lt;b&gt;Kairos Gateway %1&lt;/b&gt;&lt;br&gt;An API gateway with a desktop console.&lt;br&gt;Built with Qt %2, running on Qt %3.</source>
        <translation>&lt;b&gt;Kairos Gateway %1&lt;/b&gt;&lt;br&gt;Un gateway de API con consola de escritorio.&lt;br&gt;Compilado con Qt %2, en ejecución con Qt %3.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The config was not opened; the gateway keeps the running one:
%1</source>
        <translation>La configuración no se abrió; el gateway mantiene la que está en ejecución:
%1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Config %1 opened (version %2).</source>
        <translation>Configuración %1 abierta (versión %2).</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The config was not saved to %1: %2</source>
        <translation>La configuración no se guardó en %1: %2</translation>
    </message>
</context>
<context>
    <name>kairos::MetricsView</name>
    <message>
        <location filename="../gui/metricsview.cpp" line="+33"/>
        <source>Whole gateway</source>
        <translation>Todo el gateway</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What was collected (up to 5 minutes)</source>
        <translation>Lo recogido (hasta 5 minutos)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last minute</source>
        <translation>Último minuto</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Last 5 minutes</source>
        <translation>Últimos 5 minutos</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Time</source>
        <translation>Tiempo</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>p50</source>
        <translation>p50</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>p99</source>
        <translation>p99</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Requests per second</source>
        <translation>Peticiones por segundo</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>req/s</source>
        <translation>pet/s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Error rate (5xx)</source>
        <translation>Tasa de errores (5xx)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Latency</source>
        <translation>Latencia</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>ms</source>
        <translation>ms</translation>
    </message>
</context>
<context>
    <name>kairos::OverrideChoice</name>
    <message>
        <location filename="../gui/ruleformparts.cpp" line="+10"/>
        <source>Inherit the top level</source>
        <translation>Heredar del nivel superior</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Off for this route</source>
        <translation>Desactivado en esta ruta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Own settings</source>
        <translation>Ajustes propios</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Inherit: the top-level block applies (none when there is none). Off: the route writes null, so the top level&apos;s does not apply here either.</source>
        <translation>Heredar: se aplica el bloque del nivel superior (ninguno si no lo hay). Desactivado: la ruta escribe null, así que el del nivel superior tampoco se aplica aquí.</translation>
    </message>
</context>
<context>
    <name>kairos::OverviewView</name>
    <message>
        <location filename="../gui/overviewview.cpp" line="+113"/>
        <source>Routes</source>
        <translation>Rutas</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backends up</source>
        <translation>Backends activos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Requests per second</source>
        <translation>Peticiones por segundo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>p50 / p99, last 10 s</source>
        <translation>p50 / p99, últimos 10 s</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Route</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>req/s</source>
        <translation>pet/s</translation>
    </message>
    <message>
        <location line="-3"/>
        <source>Errors (5xx), last 10 s</source>
        <translation>Errores (5xx), últimos 10 s</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>5xx since start</source>
        <translation>5xx desde el inicio</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Double-click a route to open it</source>
        <translation>Doble clic en una ruta para abrirla</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Double-click to open the Traffic view</source>
        <translation>Doble clic para abrir la vista de Tráfico</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Busiest routes, last 10 s</source>
        <translation>Rutas más usadas, últimos 10 s</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Latest errors</source>
        <translation>Últimos errores</translation>
    </message>
    <message>
        <location line="+53"/>
        <source>&lt;b style=&apos;color:#2e9d4f&apos;&gt;● running&lt;/b&gt; on %1 · config version %2</source>
        <translation>&lt;b style=&apos;color:#2e9d4f&apos;&gt;● en marcha&lt;/b&gt; en %1 · versión de configuración %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&lt;b style=&apos;color:#d03a2f&apos;&gt;● stopped&lt;/b&gt; · config version %1</source>
        <translation>&lt;b style=&apos;color:#d03a2f&apos;&gt;● detenido&lt;/b&gt; · versión de configuración %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>%1 of %2</source>
        <translation>%1 de %2</translation>
    </message>
    <message numerus="yes">
        <location line="+11"/>
        <source>Fleet: %n instance(s): %1</source>
        <translation>
            <numerusform>Flota: %n instancia: %1</numerusform>
            <numerusform>Flota: %n instancias: %1</numerusform>
        </translation>
    </message>
    <message>
        <location line="+28"/>
        <source>%1 / %2 ms</source>
        <translation>%1 / %2 ms</translation>
    </message>
</context>
<context>
    <name>kairos::ProtectionEditor</name>
    <message>
        <location filename="../gui/protectioneditor.cpp" line="+12"/>
        <source>Protection</source>
        <translation>Protección</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>Top-level rate_limit</source>
        <translation>rate_limit general</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Own limit</source>
        <translation>Límite propio</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No limit on this route</source>
        <translation>Sin límite en esta ruta</translation>
    </message>
    <message>
        <location line="+5"/>
        <source> req/s</source>
        <translation> pet/s</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>a second&apos;s worth</source>
        <translation>lo de un segundo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>client address (client_ip)</source>
        <translation>dirección del cliente (client_ip)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the whole route (route)</source>
        <translation>la ruta entera (route)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a request field (header:NAME)</source>
        <translation>un campo de la petición (header:NOMBRE)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>a verified JWT claim (jwt:CLAIM)</source>
        <translation>un claim JWT verificado (jwt:CLAIM)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>x-api-key, sub, ...</source>
        <translation>x-api-key, sub, ...</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Top-level queue</source>
        <translation>Cola general</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Own queue</source>
        <translation>Cola propia</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>No queue on this route</source>
        <translation>Sin cola en esta ruta</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Top-level outlier_detection</source>
        <translation>outlier_detection general</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Own settings</source>
        <translation>Ajustes propios</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Off on this route</source>
        <translation>Desactivada en esta ruta</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>top level&apos;s</source>
        <translation>el general</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Rate limit</source>
        <translation>Límite de tasa</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rate</source>
        <translation>Tasa</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Burst</source>
        <translation>Ráfaga</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Key</source>
        <translation>Clave</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Field or claim</source>
        <translation>Campo o claim</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Scope</source>
        <translation>Alcance</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Request queue</source>
        <translation>Cola de peticiones</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queue size</source>
        <translation>Tamaño de la cola</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Queue timeout</source>
        <translation>Espera máxima en cola</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Outlier detection</source>
        <translation>Detección de atípicos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Consecutive 5xx</source>
        <translation>5xx consecutivos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Max ejected</source>
        <translation>Máximo expulsado</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Slow start</source>
        <translation>Arranque lento</translation>
    </message>
</context>
<context>
    <name>kairos::RouteBehaviourEditor</name>
    <message>
        <location filename="../gui/routebehavioureditor.cpp" line="+20"/>
        <source>Proxies to its backends</source>
        <translation>Reenvía a sus backends</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Redirect</source>
        <translation>Redirección</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mock answer</source>
        <translation>Respuesta simulada (mock)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Static files</source>
        <translation>Archivos estáticos</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Requests go to the route&apos;s backends.</source>
        <translation>Las peticiones van a los backends de la ruta.</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>To</source>
        <translation>A</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+25"/>
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <location line="-13"/>
        <source>Response field</source>
        <translation>Campo de respuesta</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Value</source>
        <translation>Valor</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>the body, or leave empty and name a file below</source>
        <translation>el cuerpo, o déjelo vacío e indique un archivo abajo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>read when the config is applied</source>
        <translation>se lee al aplicar la configuración</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Fields</source>
        <translation>Campos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Body</source>
        <translation>Cuerpo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Body file</source>
        <translation>Archivo del cuerpo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Mock body file</source>
        <translation>Archivo del cuerpo del mock</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Delay</source>
        <translation>Retardo</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Single-page app: unknown paths a browser navigates to get the index</source>
        <translation>Aplicación de una página: las rutas desconocidas a las que navega un navegador reciben el índice</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Root directory</source>
        <translation>Directorio raíz</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Directory to serve</source>
        <translation>Directorio que servir</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Index file</source>
        <translation>Archivo índice</translation>
    </message>
</context>
<context>
    <name>kairos::RouteEditor</name>
    <message>
        <location filename="../gui/routeeditor.cpp" line="+62"/>
        <source>Requires a JWT (auth_required)</source>
        <translation>Requiere un JWT (auth_required)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Add discovered…</source>
        <translation>Añadir descubiertos…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Edit discovered…</source>
        <translation>Editar descubiertos…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+193"/>
        <source>Retry</source>
        <translation>Reintentos</translation>
    </message>
    <message>
        <location line="-183"/>
        <source>Request fields</source>
        <translation>Campos de la petición</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Response fields</source>
        <translation>Campos de la respuesta</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Overwrite with my version</source>
        <translation>Sobrescribir con mi versión</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add route</source>
        <translation>Añadir ruta</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Edit route %1</source>
        <translation>Editar la ruta %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>External path</source>
        <translation>Ruta externa</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Internal path</source>
        <translation>Ruta interna</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>other methods, comma separated</source>
        <translation>otros métodos, separados por comas</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Methods</source>
        <translation>Métodos</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Load balancing</source>
        <translation>Balanceo de carga</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>High</source>
        <translation>Alta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Low</source>
        <translation>Baja</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Which requests a shared request queue serves first</source>
        <translation>Qué peticiones atiende primero una cola de peticiones compartida</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Priority</source>
        <translation>Prioridad</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Answers with</source>
        <translation>Responde con</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Port</source>
        <translation>Puerto</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Weight</source>
        <translation>Peso</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Health check path</source>
        <translation>Ruta de comprobación</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Rate limit (req/s)</source>
        <translation>Límite de tasa (pet/s)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Max connections</source>
        <translation>Conexiones máximas</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Protocol</source>
        <translation>Protocolo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The backend&apos;s scheme and host; for a discover entry, the source its backends come from.</source>
        <translation>El esquema y el host del backend; para una entrada discover, el origen del que vienen sus backends.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The backend&apos;s own limit, shared by every route listing it; empty: none. Requests it refuses go to another backend of the route.</source>
        <translation>El límite propio del backend, compartido por todas las rutas que lo incluyen; vacío: ninguno. Las peticiones que rechaza van a otro backend de la ruta.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Requests in flight to the backend at once (0: no limit); past it, requests wait in the route&apos;s queue.</source>
        <translation>Peticiones en curso al backend a la vez (0: sin límite); por encima, las peticiones esperan en la cola de la ruta.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>http/1.1; h2 (HTTP/2 over TLS, https hosts) or h2c (HTTP/2 in cleartext): gRPC backends need one of the two.</source>
        <translation>http/1.1; h2 (HTTP/2 sobre TLS, hosts https) o h2c (HTTP/2 sin cifrar): los backends gRPC necesitan uno de los dos.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Add backend</source>
        <translation>Añadir backend</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove backend</source>
        <translation>Quitar backend</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Backends found by DNS (A or SRV records) or registered in etcd, kept up to date</source>
        <translation>Backends encontrados por DNS (registros A o SRV) o registrados en etcd, siempre actualizados</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Backends of the group</source>
        <translation>Backends del grupo</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The split&apos;s groups are edited on the Split tab</source>
        <translation>Los grupos del reparto se editan en la pestaña Reparto</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Backends</source>
        <translation>Backends</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Max attempts</source>
        <translation>Intentos máximos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Initial backoff</source>
        <translation>Espera inicial</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Max backoff</source>
        <translation>Espera máxima</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backoff multiplier</source>
        <translation>Multiplicador de espera</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retryable status codes</source>
        <translation>Códigos de estado reintentables</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Ctrl+Enter</source>
        <translation>Ctrl+Intro</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Discard my edits</source>
        <translation>Descartar mis cambios</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Behaviour</source>
        <translation>Comportamiento</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Protection</source>
        <translation>Protección</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Connection</source>
        <translation>Conexión</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>CORS</source>
        <translation>CORS</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Header rules</source>
        <translation>Reglas de cabeceras</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Faults</source>
        <translation>Fallos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Compression</source>
        <translation>Compresión</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Split</source>
        <translation>Reparto</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Problems</source>
        <translation>Problemas</translation>
    </message>
    <message>
        <location line="+142"/>
        <source>per instance</source>
        <translation>por instancia</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>per record</source>
        <translation>por registro</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Discovered: every backend %1 finds, each with this row&apos;s health check, rate limit, max connections and protocol. Double-click to change the source.</source>
        <translation>Descubiertos: cada backend que encuentra %1, cada uno con la comprobación de salud, el límite de tasa, las conexiones máximas y el protocolo de esta fila. Doble clic para cambiar el origen.</translation>
    </message>
    <message>
        <location line="+226"/>
        <source>No problems: Apply changes the running gateway.</source>
        <translation>Sin problemas: Aplicar cambia el gateway en marcha.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>The route %1 was changed since you opened it.</source>
        <translation>La ruta %1 se modificó desde que la abrió.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The route %1 was removed since you opened it.</source>
        <translation>La ruta %1 se eliminó desde que la abrió.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Not applied: %1 Overwriting puts your version in its place and undoes that change.</source>
        <translation>No aplicado: %1 Sobrescribir pone su versión en su lugar y deshace ese cambio.</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Route not applied</source>
        <translation>Ruta no aplicada</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Nothing was changed:
%1</source>
        <translation>No se cambió nada:
%1</translation>
    </message>
</context>
<context>
    <name>kairos::RoutesModel</name>
    <message>
        <location filename="../gui/routesmodel.cpp" line="+29"/>
        <source>%1/%2 up</source>
        <translation>%1/%2 activos</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>redirect %1 to %2</source>
        <translation>redirección %1 a %2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>mock answer %1</source>
        <translation>respuesta simulada %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>files under %1</source>
        <translation>archivos bajo %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>JWT</source>
        <translation>JWT</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>none</source>
        <translation>ninguna</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n attempt(s)</source>
        <translation>
            <numerusform>%n intento</numerusform>
            <numerusform>%n intentos</numerusform>
        </translation>
    </message>
    <message>
        <location line="+0"/>
        <source>off</source>
        <translation>no</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>injected</source>
        <translation>inyectados</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>External path</source>
        <translation>Ruta externa</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Methods</source>
        <translation>Métodos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Internal path</source>
        <translation>Ruta interna</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Strategy</source>
        <translation>Estrategia</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backends</source>
        <translation>Backends</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Health</source>
        <translation>Salud</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Auth</source>
        <translation>Autenticación</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Retry</source>
        <translation>Reintentos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Faults</source>
        <translation>Fallos</translation>
    </message>
</context>
<context>
    <name>kairos::SplitEditor</name>
    <message>
        <location filename="../gui/spliteditor.cpp" line="+30"/>
        <source>Split the backends into groups (canary releases)</source>
        <translation>Repartir los backends en grupos (despliegues canario)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add group</source>
        <translation>Añadir grupo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove group</source>
        <translation>Quitar grupo</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Gradual shift</source>
        <translation>Desplazamiento gradual</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Each group gets a share of the requests by its weight, and balances them over its own backends. In the backends table, choose a group to list and edit its backends.</source>
        <translation>Cada grupo recibe una parte de las peticiones según su peso y las reparte entre sus propios backends. En la tabla de backends, elija un grupo para ver y editar sus backends.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Group</source>
        <translation>Grupo</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Weight</source>
        <translation>Peso</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Strategy</source>
        <translation>Estrategia</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The group&apos;s share is its weight over the sum of the weights</source>
        <translation>La cuota del grupo es su peso dividido por la suma de los pesos</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Random</source>
        <translation>Aleatoria</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Client IP</source>
        <translation>IP del cliente</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Header</source>
        <translation>Cabecera</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cookie</source>
        <translation>Cookie</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What keeps a client in its group: nothing (random), its address, or a header or cookie of its requests</source>
        <translation>Qué mantiene a un cliente en su grupo: nada (aleatoria), su dirección, o una cabecera o cookie de sus peticiones</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>header or cookie name</source>
        <translation>nombre de cabecera o cookie</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>none</source>
        <translation>ninguna</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A request header that chooses the group: &quot;always&quot; the canary, &quot;never&quot; the first group</source>
        <translation>Una cabecera de la petición que elige el grupo: &quot;always&quot; el canario, &quot;never&quot; el primer grupo</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Every interval the canary&apos;s share grows by a step while its errors and p99 stay within bounds; the first interval out of bounds puts it back to 0 %.</source>
        <translation>En cada intervalo la cuota del canario crece un paso mientras sus errores y su p99 siguen dentro de los límites; el primer intervalo fuera de ellos la devuelve al 0 %.</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>5xx answers over answers in an interval (0.05: 5 %)</source>
        <translation>Respuestas 5xx sobre respuestas en un intervalo (0.05: 5 %)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>With fewer answers the interval is extended, not judged</source>
        <translation>Con menos respuestas el intervalo se alarga, no se juzga</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>not judged</source>
        <translation>sin juzgar</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Canary group</source>
        <translation>Grupo canario</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Step</source>
        <translation>Paso</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Interval</source>
        <translation>Intervalo</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Max error rate</source>
        <translation>Tasa de errores máxima</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Min requests</source>
        <translation>Peticiones mínimas</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Max p99</source>
        <translation>p99 máximo</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Split key</source>
        <translation>Clave de reparto</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Canary header</source>
        <translation>Cabecera canario</translation>
    </message>
    <message>
        <location line="+56"/>
        <source>the route&apos;s</source>
        <translation>la de la ruta</translation>
    </message>
</context>
<context>
    <name>kairos::SplitShareChart</name>
    <message>
        <location filename="../gui/canaryview.cpp" line="-268"/>
        <source>%1 s ago</source>
        <translation>hace %1 s</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>now</source>
        <translation>ahora</translation>
    </message>
</context>
<context>
    <name>kairos::TrafficModel</name>
    <message>
        <location filename="../gui/trafficview.cpp" line="+118"/>
        <source>queued %1 ms</source>
        <translation>en cola %1 ms</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Answered by the gateway</source>
        <translation>Respondida por el gateway</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Time</source>
        <translation>Hora</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Method</source>
        <translation>Método</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Path</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Route</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Duration</source>
        <translation>Duración</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tries</source>
        <translation>Intentos</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Note</source>
        <translation>Nota</translation>
    </message>
</context>
<context>
    <name>kairos::TrafficView</name>
    <message>
        <location line="+110"/>
        <source>Select a request to see its headers.</source>
        <translation>Seleccione una petición para ver sus cabeceras.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Headers</source>
        <translation>Cabeceras</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Request body</source>
        <translation>Cuerpo de la petición</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Response body</source>
        <translation>Cuerpo de la respuesta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Timing</source>
        <translation>Tiempos</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>Any method</source>
        <translation>Cualquier método</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Any status</source>
        <translation>Cualquier estado</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>2xx</source>
        <translation>2xx</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>3xx</source>
        <translation>3xx</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>4xx</source>
        <translation>4xx</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>5xx</source>
        <translation>5xx</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gateway errors</source>
        <translation>Errores del gateway</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Answers the gateway made itself: refusals and failures to proxy</source>
        <translation>Respuestas que dio el propio gateway: rechazos y fallos al reenviar</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Any route</source>
        <translation>Cualquier ruta</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Any backend</source>
        <translation>Cualquier backend</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Search path, headers and bodies</source>
        <translation>Buscar en ruta, cabeceras y cuerpos</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+129"/>
        <source>Pause</source>
        <translation>Pausar</translation>
    </message>
    <message>
        <location line="-127"/>
        <source>Stop taking new requests into the list</source>
        <translation>Dejar de añadir peticiones nuevas a la lista</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Clear</source>
        <translation>Vaciar</translation>
    </message>
    <message>
        <location line="+29"/>
        <location line="+47"/>
        <source>Copy as curl</source>
        <translation>Copiar como curl</translation>
    </message>
    <message>
        <location line="-46"/>
        <location line="+47"/>
        <source>Copy response body</source>
        <translation>Copiar el cuerpo de la respuesta</translation>
    </message>
    <message>
        <location line="-46"/>
        <location line="+224"/>
        <location line="+6"/>
        <source>Export HAR</source>
        <translation>Exportar HAR</translation>
    </message>
    <message>
        <location line="-228"/>
        <source>Selected requests…</source>
        <translation>Peticiones seleccionadas…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All requests…</source>
        <translation>Todas las peticiones…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Import HAR…</source>
        <translation>Importar HAR…</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+42"/>
        <location line="+238"/>
        <source>Replay</source>
        <translation>Repetir</translation>
    </message>
    <message>
        <location line="-279"/>
        <source>Send the selected request again through the gateway</source>
        <translation>Enviar de nuevo la petición seleccionada a través del gateway</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+41"/>
        <source>Edit and resend…</source>
        <translation>Editar y reenviar…</translation>
    </message>
    <message>
        <location line="-36"/>
        <source>Mock this response…</source>
        <translation>Simular esta respuesta…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>A route answering this method and exact path as the backend did; opens in the route editor before anything changes</source>
        <translation>Una ruta que responde a este método y ruta exacta como lo hizo el backend; se abre en el editor de rutas antes de cambiar nada</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Add CORS for this origin…</source>
        <translation>Añadir CORS para este origen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>For a refused preflight or an answer without Access-Control-Allow-Origin: the route&apos;s CORS with this origin, in the route editor</source>
        <translation>Para un preflight rechazado o una respuesta sin Access-Control-Allow-Origin: el CORS de la ruta con este origen, en el editor de rutas</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>Export selected as HAR…</source>
        <translation>Exportar las seleccionadas como HAR…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export all as HAR…</source>
        <translation>Exportar todas como HAR…</translation>
    </message>
    <message>
        <location line="+40"/>
        <source>Resume</source>
        <translation>Reanudar</translation>
    </message>
    <message>
        <location line="+130"/>
        <source>HAR files (*.har *.json)</source>
        <translation>Archivos HAR (*.har *.json)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Could not write %1: %2</source>
        <translation>No se pudo escribir %1: %2</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+5"/>
        <source>Import HAR</source>
        <translation>Importar HAR</translation>
    </message>
    <message>
        <location line="-5"/>
        <source>HAR files (*.har *.json);;All files (*)</source>
        <translation>Archivos HAR (*.har *.json);;Todos los archivos (*)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Could not read %1: %2</source>
        <translation>No se pudo leer %1: %2</translation>
    </message>
    <message>
        <location line="+43"/>
        <location line="+4"/>
        <source>no answer from the gateway</source>
        <translation>sin respuesta del gateway</translation>
    </message>
    <message>
        <location line="-1"/>
        <source>Could not send the request: %1</source>
        <translation>No se pudo enviar la petición: %1</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>no answer within 30 s</source>
        <translation>sin respuesta en 30 s</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Edit and resend</source>
        <translation>Editar y reenviar</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Send</source>
        <translation>Enviar</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Method</source>
        <translation>Método</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Path</source>
        <translation>Ruta</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Headers (one per line, Name: value)</source>
        <translation>Cabeceras (una por línea, Nombre: valor)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Body</source>
        <translation>Cuerpo</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Queued: %1
</source>
        <translation>En cola: %1
</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>not queued</source>
        <translation>sin cola</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>no backend</source>
        <translation>ningún backend</translation>
    </message>
    <message>
        <location line="+2"/>
        <location line="+11"/>
        <source>reused connection</source>
        <translation>conexión reutilizada</translation>
    </message>
    <message>
        <location line="-9"/>
        <location line="+11"/>
        <source>not connected</source>
        <translation>sin conectar</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>Connect: %1
</source>
        <translation>Conexión: %1
</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Time to first byte: %1
</source>
        <translation>Tiempo hasta el primer byte: %1
</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>none</source>
        <translation>ninguno</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Total: %1
</source>
        <translation>Total: %1
</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Tries:
</source>
        <translation>Intentos:
</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>connect %1</source>
        <translation>conexión %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>, first byte after %1</source>
        <translation>, primer byte tras %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>  %1. %2 at +%3: %4%5 → %6
</source>
        <translation>  %1. %2 en +%3: %4%5 → %6
</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>no answer</source>
        <translation>sin respuesta</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Response</source>
        <translation>Respuesta</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>answered by the gateway</source>
        <translation>respondida por el gateway</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Backend</source>
        <translation>Backend</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Tries</source>
        <translation>Intentos</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Request id</source>
        <translation>Id. de petición</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Protocol</source>
        <translation>Protocolo</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Note</source>
        <translation>Nota</translation>
    </message>
    <message>
        <location filename="../gui/exchangeexport.cpp" line="+322"/>
        <source># %1 was not captured; add it with -H</source>
        <translation># %1 no se capturó; añádala con -H</translation>
    </message>
    <message>
        <location line="+13"/>
        <source># The body was captured up to %1 of its %2 bytes; only those are sent</source>
        <translation># El cuerpo se capturó hasta %1 de sus %2 bytes; solo se envían esos</translation>
    </message>
    <message>
        <location line="+31"/>
        <source>not a HAR file: it has no log.entries</source>
        <translation>no es un archivo HAR: no tiene log.entries</translation>
    </message>
</context>
</TS>
