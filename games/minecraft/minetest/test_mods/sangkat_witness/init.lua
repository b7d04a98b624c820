-- Test-only witness for Debian's pycraft mod (minetest-mod-pycraft). Never on a center's server:
-- games/minecraft/bridge/minetest_server.py adds it to a world only with test commands on.
--
-- No game client runs in the tests, so what players do is pretended here, through pycraft's own
-- connection (pycraft's global `handle_command` is wrapped; pycraft's files are not changed):
--   witness.punch(x,y,z[,name])  a pretend player, holding a steel sword (pycraft counts only sword
--                                hits, as RaspberryJuice), joins through pycraft's own
--                                register_on_joinplayer callback, then every register_on_punchnode
--                                callback runs as that player's punch would; answers "ok".
--   witness.near(x0,y0,z0,x1,y1,z1)  a player stands near this box: its map blocks are forceloaded
--                                (kept active, as around a connected player); answers the count.
--   witness.away()               every such player leaves (forceloading ends); answers "ok".
-- and every minetest.chat_send_all is logged as "[sangkat_witness] chat: <text>", which is how the
-- tests see what pycraft's chat.post hands to the players.
-- Coordinates are mcpi's as pycraft uses them: z negated against Minetest's.

local send_all = minetest.chat_send_all
minetest.chat_send_all = function(text)
	minetest.log("action", "[sangkat_witness] chat: " .. tostring(text))
	return send_all(text)
end

local players = {}
local function pretend_player(name)
	local pos = vector.new(0, 0, 0)
	return {
		get_player_name = function() return name end,
		is_player = function() return true end,
		get_wielded_item = function() return ItemStack("default:sword_steel") end,
		getpos = function() return vector.new(pos) end,
		get_pos = function() return vector.new(pos) end,
	}
end

local function join(name)
	if not players[name] then
		players[name] = pretend_player(name)
		for _, callback in ipairs(minetest.registered_on_joinplayers) do
			local origin = minetest.callback_origins[callback]
			if origin and origin.mod == "pycraft" then
				callback(players[name], nil)
			end
		end
	end
	return players[name]
end

local forced = {}

local commands = {}

commands.punch = function(a)
	local pos = {x = tonumber(a[1]), y = tonumber(a[2]), z = -tonumber(a[3])}
	local puncher = join(a[4] or "sangkat-test")
	local node = minetest.get_node(pos)
	local above = {x = pos.x, y = pos.y + 1, z = pos.z}
	for _, callback in ipairs(minetest.registered_on_punchnodes) do
		callback(pos, node, puncher, {type = "node", under = pos, above = above})
	end
	return "ok"
end

commands.near = function(a)
	local n = {}
	for i = 1, 6 do n[i] = tonumber(a[i]) end
	local count = 0
	for y = math.floor(math.min(n[2], n[5]) / 16), math.floor(math.max(n[2], n[5]) / 16) do
		for x = math.floor(math.min(n[1], n[4]) / 16), math.floor(math.max(n[1], n[4]) / 16) do
			for z = math.floor(math.min(-n[3], -n[6]) / 16), math.floor(math.max(-n[3], -n[6]) / 16) do
				local pos = {x = x * 16, y = y * 16, z = z * 16}
				if not minetest.forceload_block(pos, true) then
					error("cannot forceload " .. minetest.pos_to_string(pos) .. " (max_forceloaded_blocks?)")
				end
				forced[#forced + 1] = pos
				count = count + 1
			end
		end
	end
	return tostring(count)
end

commands.away = function()
	for _, pos in ipairs(forced) do
		minetest.forceload_free_block(pos, true)
	end
	forced = {}
	return "ok"
end

minetest.register_on_mods_loaded(function()
	local pycraft_command = handle_command
	assert(type(pycraft_command) == "function", "pycraft's handle_command was not found")
	handle_command = function(line)
		local name, argtext = line:match("^witness%.(%w+)%((.*)%)")
		if name and commands[name] then
			local args = {}
			for argument in argtext:gmatch("([^,]+)") do
				args[#args + 1] = argument
			end
			return commands[name](args)
		end
		return pycraft_command(line)
	end
end)
