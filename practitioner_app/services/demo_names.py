"""Names for demo patients: many cultures and scripts, and enough of each that a full name
rarely repeats (2,000 patients share a name about as often as in a real clinic's list).

Each culture builds a name the way its people write it: given name first or family name
first, one or two family names, a father's name, male and female forms of a surname.
Scripts: Latin with diacritics (Polish, Hungarian, Turkish, Spanish, Portuguese, French,
German, Vietnamese), Greek, Cyrillic, Chinese and Japanese (CJK), Korean (Hangul) and
Arabic, so lists, search, PDFs and exports meet the names real clinics see.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _gendered(text: str) -> tuple[tuple[str, str], ...]:
    """'Kowalski/Kowalska Nowak' -> (('Kowalski', 'Kowalska'), ('Nowak', 'Nowak'))."""
    pairs = []
    for word in text.split():
        male, _, female = word.partition("/")
        pairs.append((male, female or male))
    return tuple(pairs)


@dataclass(frozen=True, slots=True)
class Culture:
    """One naming culture: its share of the clinic's patients and how it writes a name."""

    weight: int
    female: tuple[str, ...]
    male: tuple[str, ...]
    surnames: tuple[tuple[str, str], ...]  # (male form, female form)
    build: Callable[[Culture, random.Random, bool], str]

    def name(self, rng: random.Random, is_male: bool) -> str:
        return self.build(self, rng, is_male)


def _given_family(c: Culture, rng: random.Random, is_male: bool) -> str:
    """Given name, sometimes a second given name, family name (its male or female form).
    Half of patients register a second given name, as many registrations ask for."""
    names = c.male if is_male else c.female
    given = rng.choice(names)
    if rng.random() < 0.5:
        second = rng.choice(names)
        given = given if second == given else f"{given} {second}"
    return f"{given} {rng.choice(c.surnames)[0 if is_male else 1]}"


_PATRONYMICS = _gendered(
    "Юрьевич/Юрьевна Иванович/Ивановна Сергеевич/Сергеевна Александрович/Александровна "
    "Дмитриевич/Дмитриевна Петрович/Петровна Андреевич/Андреевна Николаевич/Николаевна "
    "Владимирович/Владимировна Михайлович/Михайловна Олегович/Олеговна "
    "Викторович/Викторовна Павлович/Павловна Алексеевич/Алексеевна")


def _patronymic(c: Culture, rng: random.Random, is_male: bool) -> str:
    """Russian and Ukrainian: half register their father's name between the two."""
    given = rng.choice(c.male if is_male else c.female)
    surname = rng.choice(c.surnames)[0 if is_male else 1]
    if rng.random() < 0.5:
        return f"{given} {rng.choice(_PATRONYMICS)[0 if is_male else 1]} {surname}"
    return f"{given} {surname}"


def _two_surnames(c: Culture, rng: random.Random, is_male: bool) -> str:
    """Spanish and Portuguese: father's and mother's family names."""
    first, second = rng.sample(c.surnames, 2)
    return f"{rng.choice(c.male if is_male else c.female)} {first[0]} {second[0]}"


def _family_first_joined(c: Culture, rng: random.Random, is_male: bool) -> str:
    """Chinese and Korean: family name first, written without a space."""
    return f"{rng.choice(c.surnames)[0]}{rng.choice(c.male if is_male else c.female)}"


def _family_first_spaced(c: Culture, rng: random.Random, is_male: bool) -> str:
    """Japanese: family name first, a space before the given name."""
    return f"{rng.choice(c.surnames)[0]} {rng.choice(c.male if is_male else c.female)}"


def _vietnamese(c: Culture, rng: random.Random, is_male: bool) -> str:
    middle = rng.choice(("Văn", "Đức", "Minh", "Quang") if is_male
                        else ("Thị", "Ngọc", "Thu", "Thanh"))
    return f"{rng.choice(c.surnames)[0]} {middle} {rng.choice(c.male if is_male else c.female)}"


def _arabic(c: Culture, rng: random.Random, is_male: bool) -> str:
    """Given name, father's name, family name."""
    return (f"{rng.choice(c.male if is_male else c.female)} {rng.choice(c.male)} "
            f"{rng.choice(c.surnames)[0]}")


CULTURES: tuple[Culture, ...] = (
    Culture(15, _words(
        "Emma Olivia Sarah Grace Charlotte Siobhán Amelia Isla Ava Mia Evie Poppy Ruby "
        "Sophie Lucy Chloe Ella Hannah Rebecca Laura Megan Niamh Aoife Caoimhe Róisín "
        "Eleanor Harriet Imogen Jessica Katherine Lauren Natalie Philippa Rosalind Tamsin "
        "Victoria Zoë Bethan Ffion Eilidh"), _words(
        "James Oliver Thomas Daniel Seán Harry George Jack William Noah Oscar Henry Samuel "
        "Joseph Benjamin Edward Callum Rhys Owain Ciarán Declan Eoin Fraser Hamish Rory "
        "Alistair Gareth Matthew Nathan Patrick"), _gendered(
        "Smith O'Neil Taylor Hughes Brown Fitzgerald Jones Williams Davies Evans Wilson "
        "Thomas Roberts Johnson Walker Wright Robinson Thompson White Edwards Green Hall "
        "Wood Harris Martin Jackson Clarke Lewis Clark Morgan Cooper Hill Ward Turner "
        "Parker Collins Bennett Murphy Kelly O'Brien Byrne Ryan Walsh O'Connor McCarthy "
        "Doherty Kennedy Lynch Murray Quinn Campbell Stewart Anderson MacDonald Scott Reid "
        "Ross Fraser Mackenzie Ellis Knight Barker Holmes Lloyd Pritchard Ashworth-Pryce "
       ), _given_family),
    Culture(7, _words(
        "Łucja Małgorzata Agnieszka Zofia Katarzyna Anna Maria Magdalena Joanna Ewa "
        "Aleksandra Dorota Barbara Justyna Weronika Natalia Paulina Marta Beata Grażyna "
        "Jadwiga Bożena Elżbieta Urszula Wiktoria"), _words(
        "Łukasz Paweł Michał Wojciech Jędrzej Piotr Krzysztof Tomasz Marcin Grzegorz "
        "Andrzej Jakub Mateusz Kamil Bartosz Dawid Rafał Szymon Przemysław Zbigniew"),
        _gendered(
        "Nowak Wójcik Kowalski/Kowalska Świętochowski/Świętochowska Zieliński/Zielińska "
        "Łęcki/Łęcka Wiśniewski/Wiśniewska Lewandowski/Lewandowska Kamiński/Kamińska "
        "Dąbrowski/Dąbrowska Kozłowski/Kozłowska Jankowski/Jankowska Mazur Kwiatkowski/"
        "Kwiatkowska Krawczyk Piotrowski/Piotrowska Grabowski/Grabowska Pawłowski/"
        "Pawłowska Michalski/Michalska Król Wieczorek Jabłoński/Jabłońska Wróbel Nowakowski/"
        "Nowakowska Majewski/Majewska Olszewski/Olszewska Stępień Jaworski/Jaworska Malinowski/"
        "Malinowska Dudek Górski/Górska Sikora Baran Szczepański/Szczepańska Żak Chmielewski/"
        "Chmielewska Ostrowski/Ostrowska"), _given_family),
    Culture(3, _words(
        "Zsófia Réka Anikó Erzsébet Katalin Ildikó Orsolya Enikő Boglárka Dóra Eszter "
        "Krisztina Judit Ágnes Csilla"), _words(
        "Zoltán Gábor László Ödön Bence Ákos Levente Balázs Csaba Attila Gergő Dániel "
        "Tamás Péter Szabolcs"), _gendered(
        "Őrsi Kovács Szőke Tóth Nagy Szabó Horváth Varga Kiss Molnár Németh Farkas Balogh "
        "Papp Takács Juhász Lakatos Mészáros Oláh Simon Rácz Fekete Szilágyi Török Fehér "
        "Gál Pintér Bíró Vörös Hegedűs"), _given_family),
    Culture(4, _words(
        "Ayşe Şule Gülşen Elif Zeynep Fatma Emine Hatice Merve Büşra Özlem Çiğdem Gökçe "
        "Sevgi Dilek Nazlı İrem Ebru Tuğba Yasemin"), _words(
        "Şükrü Murat Barış Çağan Mehmet Mustafa Ahmet Ali Hüseyin İbrahim Emre Burak "
        "Oğuz Serkan Tolga Ümit Kerem Onur Volkan Gökhan"), _gendered(
        "Yılmaz Şahin Çelik Öztürk Kaya Demir Yıldız Yıldırım Aydın Özdemir Arslan Doğan "
        "Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Erdoğan Güneş Aksoy Ünal "
        "Bozkurt Türkmen Korkmaz Tekin Karataş"), _given_family),
    Culture(6, _words(
        "Ana Inés Begoña Lucía Carmen Pilar Nuria Montserrat Rocío Marta Elena Paula "
        "Alba Irene Ainhoa Itziar Macarena Consuelo Aránzazu Leire"), _words(
        "José Íñigo Javier Álvaro Sergio Jorge Alejandro Andrés Rubén Óscar Iker Unai "
        "Gonzalo Ignacio Rodrigo Fernando"), _gendered(
        "Martínez Núñez Peña García López Sánchez Pérez Gómez Fernández Rodríguez "
        "González Díaz Hernández Muñoz Álvarez Romero Jiménez Ruiz Moreno Alonso Gutiérrez "
        "Navarro Torres Domínguez Vázquez Ramos Gil Ramírez Serrano Blanco Molina Morales "
        "Suárez Ortega Delgado Castro Ortiz Rubio Marín Sanz Iglesias Medina Garrido "
        "Cortés Castillo Santos Lozano Guerrero Cano Prieto Méndez Calvo Cruz Gallego "
        "Vidal León Márquez Herrera Aguirre Echeverría Goikoetxea"), _two_surnames),
    Culture(4, _words(
        "Inês Beatriz Leonor Mariana Matilde Carolina Joana Catarina Francisca Conceição "
        "Gabriela Luísa Letícia Raquel Vitória"), _words(
        "João Tomás Gonçalo Duarte Rodrigo Afonso Martim Vicente Simão Sebastião Luís "
        "Rui Nuno Vítor Caio"), _gendered(
        "Gonçalves Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus "
        "Sousa Fernandes Lopes Marques Gomes Ribeiro Carvalho Almeida Pinto Teixeira "
        "Moreira Correia Mendes Nunes Soares Vieira Monteiro Cardoso Rocha Neves Coelho "
        "Cruz Cunha Pires Ramos Reis Simões Antunes Magalhães Araújo Brandão Guimarães"),
        _two_surnames),
    Culture(5, _words(
        "Hélène Amélie Camille Élodie Margaux Chloé Léa Manon Inès Juliette Clémence "
        "Aurélie Séverine Mathilde Agathe Anaïs Cécile Noémie Solène Maëlle"), _words(
        "François Théo Louis Hugo Gabriel Raphaël Arthur Jules Mathis Clément Étienne "
        "Jérôme Benoît Grégoire Aurélien Loïc Rémi Gaël"), _gendered(
        "Lefèvre Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau "
        "Simon Laurent Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard "
        "André Mercier Dupont Lambert Bonnet François Legrand Garnier Faure Rousseau "
        "Blanc Guérin Muller Henry Roussel Nicolas Perrin Morin Mathieu Clément Gauthier "
        "Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gérard Nguyen Boyer Denis "
        "Lemaire Duval Joly Gautier Roger Roche Roy Noël Meyer Lucas Meunier Jean Pérez "
        "Marchand Dufour Blanchard Barbier Brun Dumas Brunet Schmitt Leroux Colin Fernandez "
        "Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud "
        "Lemoine Picard Gaillard Philippe Leclercq Lacroix Fabre Dupuis Olivier Rodriguez "
        "Hubert Louis Charles Guillot Rivière Guillaume Adam Rey Moulin "
        "Gonzalez Berger Lecomte Ménard Fleury Deschamps Carpentier Julien Bénard Paris "
        "Maillard Marchal Aubry Vasseur Renault Jacquet Collet Prévost Poirier "
        "Charpentier Royer Huet Baron Dupuy Pons Paul Laine Carré Breton Rémy Schneider "
        "Perrot Guyot Barre Marty Cousin"), _given_family),
    Culture(5, _words(
        "Anneliese Birgit Sophie Hannah Lena Leonie Marie Johanna Katharina "
        "Franziska Ingrid Sigrid Astrid Åsa Märta Björg Solveig Freya Greta Liesl Jördis"),
        _words(
        "Jürgen Lukas Maximilian Felix Moritz Jonas Matthias Stefan Florian Tobias "
        "Sebastian Björn Søren Øystein Lars Nils Anders Henrik Magnus Torben"), _gendered(
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer "
        "Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger "
        "Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid "
        "Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang "
        "Scholz Möller Weiß Jung Hahn Vogel Friedrich Keller Günther Frank Berger Winkler "
        "Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus "
        "Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt "
        "Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch "
        "Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Jørgensen Andersen Nielsen "
        "Hansen Pedersen Kristiansen Lindqvist Söderberg Åberg Ødegård Lindgren Sjöberg "
        "Bäckström Håkansson Nyström"), _given_family),
    Culture(6, _words(
        "Αικατερίνη Ελένη Σοφία Δέσποινα Μαρία Γεωργία Βασιλική Ευαγγελία Παναγιώτα "
        "Χριστίνα Αθηνά Ζωή Ιωάννα Αναστασία Ειρήνη Φωτεινή Κωνσταντίνα Δήμητρα Θεοδώρα "
        "Χαρίκλεια Ξανθή Ευτυχία Αγγελική Μυρτώ"), _words(
        "Αλέξανδρος Γιώργος Νικόλαος Δημήτρης Κωνσταντίνος Ιωάννης Παναγιώτης Βασίλειος "
        "Χρήστος Αθανάσιος Μιχαήλ Ευάγγελος Σπυρίδων Αντώνιος Θεόδωρος Ηλίας Σταύρος "
        "Στέφανος Εμμανουήλ Φώτιος"), _gendered(
        "Παπαδόπουλος/Παπαδοπούλου Κωνσταντίνου Γεωργίου Βλάχος/Βλάχου Οικονόμου "
        "Παπαγεωργίου Νικολάου Ιωάννου Δημητρίου Παπαδάκης/Παπαδάκη Μακρής/Μακρή "
        "Αντωνίου Αθανασίου Χριστοδούλου Παπανικολάου Καραγιάννης/Καραγιάννη "
        "Σταματόπουλος/Σταματοπούλου Μιχαηλίδης/Μιχαηλίδου Αλεξίου Κυριακίδης/Κυριακίδου "
        "Θεοδωρόπουλος/Θεοδωροπούλου Λαμπράκης/Λαμπράκη Ζαχαρίου Πετρίδης/Πετρίδου "
        "Σωτηρίου Ευαγγέλου Τσακίρης/Τσακίρη Φραγκιαδάκης/Φραγκιαδάκη Ραφαηλίδης/"
        "Ραφαηλίδου Χατζηδάκης/Χατζηδάκη Μαυρίδης/Μαυρίδου Δούκας/Δούκα Λιάπης/Λιάπη "
        "Ξενάκης/Ξενάκη Ψαρράς/Ψαρρά Ηλιόπουλος/Ηλιοπούλου"), _given_family),
    Culture(8, _words(
        "Жанна Ольга Наталья Ірина Светла Анна Мария Елена Татьяна Екатерина Юлия "
        "Анастасия Дарья Ксения Людмила Оксана Галина Вера Надежда Любовь Полина Алёна "
        "Олена Ганна Тетяна Марія Йорданка Десислава Радка Цветелина"), _words(
        "Дмитрий Сергей Олександр Иван Алексей Андрей Михаил Николай Владимир Павел "
        "Артём Максим Юрий Виктор Игорь Богдан Тарас Петро Остап Христо Георги Стоян "
        "Йордан Евгений"), _gendered(
        "Щербаков/Щербакова Иванов/Иванова Шевченко Петров/Петрова Кузнецов/Кузнецова "
        "Смирнов/Смирнова Попов/Попова Васильев/Васильева Соколов/Соколова Михайлов/"
        "Михайлова Новиков/Новикова Фёдоров/Фёдорова Морозов/Морозова Волков/Волкова "
        "Алексеев/Алексеева Лебедев/Лебедева Семёнов/Семёнова Егоров/Егорова Павлов/"
        "Павлова Козлов/Козлова Степанов/Степанова Николаев/Николаева Орлов/Орлова "
        "Андреев/Андреева Макаров/Макарова Захаров/Захарова Зайцев/Зайцева Соловьёв/"
        "Соловьёва Борисов/Борисова Яковлев/Яковлева Григорьев/Григорьева Романов/Романова "
        "Бондаренко Коваленко Ткаченко Кравченко Олійник Мельник Коваль Бойко Лисенко "
        "Савченко Руденко Марченко Іваненко Гончаренко Димитров/Димитрова Георгиев/"
        "Георгиева Тодоров/Тодорова Стоянов/Стоянова Христов/Христова Йорданов/Йорданова"),
        _patronymic),
    Culture(6, _words(
        "秀英 桂英 秀兰 玉兰 桂兰 秀珍 凤英 玉珍 玉英 兰英 丽娟 静怡 欣怡 雨涵 梓涵 "
        "诗涵 婉婷 思颖 佳怡 晓燕 美玲 淑芬 雅婷 慧敏 丽华 海燕 春梅 晓红 雪梅 颖"),
        _words(
        "伟 强 磊 军 洋 勇 杰 涛 明 超 浩然 子轩 宇航 俊杰 志强 建华 国强 文博 "
        "晓东 家豪 志明 伟杰 鹏飞 振宇 天佑 嘉伟 建国 立新 思远 博文"), _gendered(
        "王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 林 高 罗 郑 梁 谢 宋 "
        "唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 潘 袁 蔡 蒋 余 于 杜 叶 程 魏 苏 吕 丁 "
        "任 卢 姚 沈 钟 姜 崔 谭 陆 范 汪 廖 石 金 韦 贾 夏 付 方 邹 熊 白 孟 秦 "
        "邱 侯 江 尹 薛 闫 段 雷 龙 黎 史 陶 贺 毛 郝 顾 龚 邵 万 覃 武 钱 戴 严 "
        "欧阳 司马 诸葛"), _family_first_joined),
    Culture(3, _words(
        "陽菜 結衣 凛 さくら 美咲 葵 花子 優子 恵子 由美 真由美 明美 直美 愛 彩 "
        "千尋 奈々 舞 麻衣 綾香"), _words(
        "蓮 大翔 悠真 湊 陽翔 太郎 一郎 健太 翔太 拓也 大輔 直樹 誠 浩 隆 "
        "健一 和也 亮 達也 翼"), _gendered(
        "佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 "
        "井上 木村 林 斎藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 "
        "岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本"), _family_first_spaced),
    Culture(3, _words(
        "민지 서연 지우 서윤 하은 지민 수빈 예은 유진 지현 은지 수진 혜진 미영 "
        "영희 정숙 순자 현정 소영 다은"), _words(
        "민준 서준 도윤 예준 시우 하준 주원 지호 지훈 준서 성민 현우 동현 상훈 "
        "영수 정호 재현 승민 태현 진우"), _gendered(
        "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 류 전 홍 고 문 양 "
        "손 배 백 허 유 남 심 노 하 곽 성 차 주 우 구 민 진 나 지 엄 채 원 천 방 "
        "공 현 함 변 염 여 추 도 소 석 선 설 마 길 연 위 표 명 기 반 왕 금 옥 육 "
        "인 맹 제 모 남궁 독고 황보 제갈"), _family_first_joined),
    Culture(6, _words(
        "فاطمة مريم زينب عائشة خديجة نور سارة ليلى هدى أمل رنا دينا ياسمين سلمى هبة "
        "منى ريم لينا رحاب جميلة"), _words(
        "محمد أحمد علي عمر خالد يوسف حسن حسين إبراهيم عبدالله مصطفى سامي كريم طارق "
        "ماجد وليد فيصل سعيد ناصر زياد"), _gendered(
        "الحسيني العلي الخطيب المصري الشامي النجار الحداد البغدادي الحلبي الدمشقي "
        "العمري الزهراني القحطاني الشمري العتيبي الهاشمي السيد منصور حداد خوري "
        "عيسى سليمان يوسف عبدالرحمن الأنصاري الراشد الجابري الكعبي المهيري التميمي"),
        _arabic),
    Culture(7, _words(
        "Priya Ananya Aisha Kavya Divya Sneha Pooja Neha Riya Meera Lakshmi Deepa Sunita "
        "Anjali Nisha Shreya Harpreet Simran Jaspreet Farah Ayesha Zara Sana Nadia Fatima "
        "Amara Chidinma Ngozi Adaeze Folake Abena Ama Akosua"), _words(
        "Arjun Rohan Vikram Rahul Amit Sanjay Rajesh Anil Suresh Karan Harjit Gurpreet "
        "Manpreet Imran Bilal Hamza Usman Tariq Zain Chukwuemeka Oluwaseun Tunde Kwame "
        "Kofi Emeka Ifeanyi"), _gendered(
        "Sharma Patel Singh Kumar Gupta Shah Mehta Joshi Desai Reddy Nair Iyer Rao "
        "Menon Pillai Chopra Malhotra Kapoor Bhatt Chauhan Sandhu Gill Dhillon Sidhu "
        "Grewal Khan Hussain Ahmed Akhtar Rahman Chaudhry Malik Qureshi Siddiqui Okafor "
        "Okonkwo Adeyemi Oyelaran Balogun Mensah Owusu Asante Boateng Nwosu Eze Obi"),
        _given_family),
    Culture(3, _words(
        "Lan Hương Mai Linh Trang Hà Ngọc Thảo Hạnh Phương Yến Nhung Vy Anh Trâm"),
        _words(
        "Minh Hùng Dũng Tuấn Nam Long Hải Phúc Quân Thắng Khoa Bảo Đạt Hiếu Trung"),
        _gendered(
        "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý"),
        _vietnamese),
)
